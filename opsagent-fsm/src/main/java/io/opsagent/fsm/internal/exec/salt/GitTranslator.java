package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.util.List;

/**
 * {@code common.git}: {@code git.latest} of {@code repo} into {@code path} (one trailing
 * {@code /} removed) at {@code revision} (default {@code master}), with {@code ssh-key-file}
 * ({@code identity}), {@code force} ({@code force_checkout} and {@code force_reset}, so the
 * checkout can also move to an older revision and local changes are discarded) and
 * {@code user}. A helper installs the {@code git} package first, unless a {@code git} command
 * exists: Salt refreshes the package index (from the network) before every install check.
 */
final class GitTranslator implements ModuleTranslator {

    static final String GIT_PRESENT = "command -v git";

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        String repo = p.requiredString("repo");
        String path = p.requiredAbsolutePath("path");
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        boolean force = p.bool("force", false);
        SaltState git = SaltState.builder(ids.id("require_git"), "pkg.installed")
                .arg("name", "git")
                .arg("unless", GIT_PRESENT)
                .build();
        SaltState main = SaltState.builder(ids.id("main"), "git.latest")
                .arg("name", repo)
                .arg("target", path)
                .arg("rev", p.string("revision", "master"))
                .arg("identity", p.string("ssh-key-file").orElse(null))
                .arg("force_checkout", force)
                .arg("force_reset", force)
                .arg("user", p.string("user").orElse(null))
                .require(List.of(git))
                .build();
        return List.of(git, main);
    }
}
