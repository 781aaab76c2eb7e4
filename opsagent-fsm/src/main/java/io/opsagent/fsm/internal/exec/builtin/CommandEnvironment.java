package io.opsagent.fsm.internal.exec.builtin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The environment and umask a {@code linux.cmd} command starts with: never the agent's own
 * (which may hold secrets, and differs between systemd and cron), but {@code PATH},
 * {@code LANG} and {@code HOME} below, then the recipe's {@code env} on top, with umask
 * {@value #UMASK}. See {@code docs/executors.md}.
 */
final class CommandEnvironment {

    /** The search path every command gets. */
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** The locale when the agent has none. */
    static final String DEFAULT_LANG = "C.UTF-8";

    /** The umask commands run with: files they make are readable by all, writable by their owner. */
    static final String UMASK = "0022";

    private CommandEnvironment() {}

    /**
     * {@code PATH}, {@code LANG} (the agent's, else {@value #DEFAULT_LANG}) and {@code HOME}
     * (the agent's user's home), then {@code recipe} on top.
     */
    static Map<String, String> of(Map<String, String> agent, Map<String, String> recipe) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", PATH);
        String lang = agent.get("LANG");
        env.put("LANG", lang == null || lang.isBlank() ? DEFAULT_LANG : lang);
        env.put("HOME", System.getProperty("user.home"));
        env.putAll(recipe);
        return env;
    }

    /** {@code argv} run through {@code /bin/sh} after setting the umask, whatever shell it names. */
    static List<String> withUmask(List<String> argv) {
        List<String> wrapped = new java.util.ArrayList<>(List.of("/bin/sh", "-c", "umask " + UMASK + " && exec \"$@\"",
                "sh"));
        wrapped.addAll(argv);
        return wrapped;
    }
}
