package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.util.List;

/** {@code linux.group}: {@code group.present} of {@code groupname} with {@code gid} and {@code system} ({@code system-group}). */
final class GroupTranslator implements ModuleTranslator {

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        return List.of(SaltState.builder(ids.id("main"), "group.present")
                .arg("name", p.requiredString("groupname"))
                .arg("gid", p.integer("gid").orElse(null))
                .arg("system", p.bool("system-group", false) ? Boolean.TRUE : null)
                .build());
    }
}
