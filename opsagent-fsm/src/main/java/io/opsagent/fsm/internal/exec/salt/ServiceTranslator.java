package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.KeyValue;
import io.opsagent.fsm.internal.exec.Params;
import java.util.List;

/**
 * {@code linux.service}: {@code service.running} of every service named in {@code name}
 * (key/value list or plain list). The values (actions on watch) and {@code watch} belong to the
 * watch mechanism, which restarts a service when a watched file changed; that is not done here.
 */
final class ServiceTranslator implements ModuleTranslator {

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        List<String> names = p.requiredKeyValues("name").stream().map(KeyValue::key).toList();
        p.stringList("watch"); // validated, see the class notes
        return List.of(SaltState.builder(ids.id("main"), "service.running").arg("names", names).build());
    }
}
