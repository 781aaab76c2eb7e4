package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.KeyValue;
import io.opsagent.fsm.internal.exec.Params;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code common.pip.package}: {@code pip.installed} (a version becomes {@code name==version};
 * {@code latest} is a plain install, as in the original) and {@code pip.removed}, with the
 * {@code names} list. {@code bin-env} (an addition: a virtualenv directory or a pip program)
 * becomes Salt's {@code bin_env}, so packages go into that environment; this is the way on
 * hosts whose system Python refuses pip installs (PEP 668, e.g. Debian 12). Without it a helper
 * first installs the {@code python3-pip} package unless a {@code pip3} or {@code pip} command
 * already exists.
 */
final class PipTranslator implements ModuleTranslator {

    static final String PIP_PACKAGE = "python3-pip";
    static final String PIP_PRESENT = "command -v pip3 || command -v pip";

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        List<KeyValue> packages = p.requiredKeyValues("name");
        Map<String, List<String>> byFunction = new LinkedHashMap<>();
        for (KeyValue kv : packages) {
            String value = kv.value().trim();
            String lower = value.toLowerCase(Locale.ROOT);
            if (lower.equals("removed") || lower.equals("purged")) {
                byFunction.computeIfAbsent("removed", f -> new ArrayList<>()).add(kv.key());
            } else if (lower.isEmpty() || lower.equals("latest")) {
                byFunction.computeIfAbsent("installed", f -> new ArrayList<>()).add(kv.key());
            } else {
                byFunction.computeIfAbsent("installed", f -> new ArrayList<>()).add(kv.key() + "==" + value);
            }
        }
        String binEnv = p.absolutePath("bin-env").orElse(null);
        List<SaltState> states = new ArrayList<>();
        if (binEnv == null) {
            states.add(SaltState.builder(ids.id("require_pip"), "pkg.installed")
                    .arg("name", PIP_PACKAGE)
                    .arg("unless", PIP_PRESENT)
                    .build());
        }
        List<SaltState> helpers = List.copyOf(states);
        for (Map.Entry<String, List<String>> e : byFunction.entrySet()) {
            states.add(SaltState.builder(ids.id("pip_" + e.getKey()), "pip." + e.getKey())
                    .arg("names", e.getValue())
                    .arg("bin_env", binEnv)
                    .require(helpers)
                    .build());
        }
        return states;
    }
}
