package io.opsagent.fsm.internal.exec.salt;

import com.google.gson.JsonObject;
import io.opsagent.fsm.internal.exec.KeyValue;
import io.opsagent.fsm.internal.exec.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code linux.cmd}: {@code cmd.run} of {@code cmd} with {@code shell} (default
 * {@code /bin/sh}), {@code cwd}, {@code user} (Salt's {@code runas}), {@code group},
 * {@code env} (entries with an empty key or value dropped), {@code timeout} in seconds (default
 * 600) and an {@code onlyif} test built from {@code if-path-present}/{@code if-path-absent}.
 * Without {@code cwd} the command runs in {@code /opt/visualops/tmp/}, which a helper creates.
 */
final class CmdTranslator implements ModuleTranslator {

    static final String DEFAULT_CWD = "/opt/visualops/tmp/";

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        String cmd = p.requiredString("cmd");
        String shell = p.string("shell", "/bin/sh");
        boolean defaultCwd = !p.has("cwd");
        String cwd = p.absolutePath("cwd").orElse(DEFAULT_CWD);
        JsonObject env = new JsonObject();
        for (KeyValue kv : p.keyValues("env")) {
            if (!kv.value().isEmpty()) {
                env.addProperty(kv.key(), kv.value());
            }
        }
        long timeout = p.positiveInteger("timeout", 600);
        String onlyif = PathCondition.of(p.absolutePaths("if-path-present"), p.absolutePaths("if-path-absent"));

        List<SaltState> states = new ArrayList<>();
        if (defaultCwd) {
            states.add(DirTranslator.ensureDirectory(ids.id("require_cwd"), cwd));
        }
        states.add(SaltState.builder(ids.id("main"), "cmd.run")
                .arg("name", cmd)
                .arg("shell", shell)
                .arg("cwd", cwd)
                .arg("runas", p.string("user").orElse(null))
                .arg("group", p.string("group").orElse(null))
                .arg("env", env.size() == 0 ? null : env)
                .arg("timeout", timeout)
                .arg("onlyif", onlyif)
                .require(new ArrayList<>(states))
                .build());
        return states;
    }
}
