package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.KeyValue;
import io.opsagent.fsm.internal.exec.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code linux.service}: {@code service.running} of every service named in {@code name}
 * (key/value list or plain list). When the state's {@code watch} fired (the executor compares
 * the watched files' sums), the services are acted on first, as the VisualOps {@code mod_watch}
 * did: the value {@code reload} gets {@code service.mod_watch} with {@code reload: true}; an
 * empty value or {@code restart} gets {@code service.mod_watch} that restarts (Salt's reload has
 * no fallback to restart, so the restart the VisualOps fallback ends in is used directly); any
 * other value is run as a shell command ({@code cmd.run}). {@code mod_watch} starts a service
 * that is not running. The final {@code service.running} then checks every service is up.
 */
final class ServiceTranslator implements ModuleTranslator {

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        List<String> names = p.requiredKeyValues("name").stream().map(KeyValue::key).toList();
        p.stringList("watch"); // validated; the executor reads it
        return List.of(running(ids, names, List.of()));
    }

    @Override
    public List<SaltState> translateWatched(Params p, SlsIds ids, HostFacts host) {
        List<KeyValue> services = p.requiredKeyValues("name");
        p.stringList("watch");
        List<SaltState> helpers = new ArrayList<>();
        List<String> restarted = new ArrayList<>();
        List<String> reloaded = new ArrayList<>();
        for (int i = 0; i < services.size(); i++) {
            KeyValue service = services.get(i);
            String action = service.value() == null ? "" : service.value().strip();
            if (action.isEmpty() || action.equals("restart")) {
                restarted.add(service.key());
            } else if (action.equals("reload")) {
                reloaded.add(service.key());
            } else {
                helpers.add(SaltState.builder(ids.id("watch_action_" + i), "cmd.run").arg("name", action).build());
            }
        }
        if (!reloaded.isEmpty()) {
            helpers.add(SaltState.builder(ids.id("watch_reload"), "service.mod_watch")
                    .arg("names", reloaded).arg("sfun", "running").arg("reload", true).build());
        }
        if (!restarted.isEmpty()) {
            helpers.add(SaltState.builder(ids.id("watch_restart"), "service.mod_watch")
                    .arg("names", restarted).arg("sfun", "running").build());
        }
        List<String> names = services.stream().map(KeyValue::key).toList();
        List<SaltState> out = new ArrayList<>(helpers);
        out.add(running(ids, names, helpers));
        return List.copyOf(out);
    }

    private static SaltState running(SlsIds ids, List<String> names, List<SaltState> require) {
        return SaltState.builder(ids.id("main"), "service.running").arg("names", names).require(require).build();
    }
}
