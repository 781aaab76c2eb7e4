package io.opsagent.fsm.internal.exec.salt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The salt-call argument list, in the recommended form:
 * {@code salt-call [--config-dir=DIR] --local --out=json --retcode-passthrough
 * --file-root=ROOT state.sls vops [test=True]}.
 */
public final class SaltCommandLine {

    /** Environment for salt-call: a UTF-8 locale, so non-ASCII output comes through as UTF-8. */
    public static final Map<String, String> ENVIRONMENT = Map.of(
            "LANG", "C.UTF-8",
            "LC_ALL", "C.UTF-8",
            "PYTHONIOENCODING", "utf-8");

    private SaltCommandLine() {
    }

    public static List<String> of(Path saltCall, Path configDir, Path fileRoot, boolean dryRun) {
        List<String> argv = new ArrayList<>();
        argv.add(saltCall.toString());
        if (configDir != null) {
            argv.add("--config-dir=" + configDir);
        }
        argv.add("--local");
        argv.add("--out=json");
        argv.add("--retcode-passthrough");
        argv.add("--file-root=" + fileRoot);
        argv.add("state.sls");
        argv.add(SaltWorkspace.SLS_NAME);
        if (dryRun) {
            argv.add("test=True");
        }
        return List.copyOf(argv);
    }
}
