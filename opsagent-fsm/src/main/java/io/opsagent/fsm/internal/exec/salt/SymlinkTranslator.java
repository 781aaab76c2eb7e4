package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.util.List;

/**
 * {@code linux.symlink}: {@code file.symlink} whose name is the VisualOps {@code target} (the
 * link) and whose target is the VisualOps {@code source} (what it points to), with
 * {@code user} and {@code group}. {@code absent: true} gives {@code file.absent} of the link.
 */
final class SymlinkTranslator implements ModuleTranslator {

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        String link = p.requiredAbsolutePath("target");
        if (p.bool("absent", false)) {
            return List.of(SaltState.builder(ids.id("main"), "file.absent").arg("name", link).build());
        }
        return List.of(SaltState.builder(ids.id("main"), "file.symlink")
                .arg("name", link)
                .arg("target", p.requiredString("source"))
                .arg("user", p.string("user").orElse(null))
                .arg("group", p.string("group").orElse(null))
                .build());
    }
}
