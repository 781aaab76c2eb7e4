package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.util.List;

/**
 * {@code linux.symlink}: {@code file.symlink} whose name is the VisualOps {@code target} (the
 * link) and whose target is the VisualOps {@code source} (what it points to), with
 * {@code user} and {@code group}. An owner or group not given is kept from an existing link
 * ({@code inherit_user_and_group}, Salt 3006.0 and later; without it Salt sets root:root).
 * {@code absent: true} gives {@code file.absent} of the link.
 */
final class SymlinkTranslator implements ModuleTranslator {

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        String link = p.requiredAbsolutePath("target");
        if (p.bool("absent", false)) {
            return List.of(SaltState.builder(ids.id("main"), "file.absent").arg("name", link).build());
        }
        String user = p.string("user").orElse(null);
        String group = p.string("group").orElse(null);
        return List.of(SaltState.builder(ids.id("main"), "file.symlink")
                .arg("name", link)
                .arg("target", p.requiredString("source"))
                .arg("user", user)
                .arg("group", group)
                .arg("inherit_user_and_group", user == null || group == null ? Boolean.TRUE : null)
                .build());
    }
}
