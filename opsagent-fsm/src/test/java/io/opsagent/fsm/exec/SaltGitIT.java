package io.opsagent.fsm.exec;

import static io.opsagent.fsm.exec.HostCommands.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.spi.StateResult;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code common.git} through real Salt, from a repository made with {@code git init} in the test's directory. */
class SaltGitIT extends RealSaltBase {

    @Test
    void cloneSettlesDryRunOnlyReportsForceMovesBackAndANonGitDirectoryFails() throws Exception {
        Path origin = Files.createDirectory(tmp.resolve("origin"));
        run(origin, "git", "init", "-q", "-b", "master");
        Files.writeString(origin.resolve("a"), "1\n");
        run(origin, "git", "add", "a");
        run(origin, "git", "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-q", "-m", "one");
        String older = run(origin, "git", "rev-parse", "HEAD");
        Files.writeString(origin.resolve("a"), "2\n");
        run(origin, "git", "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-q", "-am", "two");
        String newer = run(origin, "git", "rev-parse", "HEAD");
        Path clone = tmp.resolve("clone");
        String repo = origin.toUri().toString();

        StateResult first = salt("common.git", params("repo", repo, "path", clone, "revision", "master"));
        StateResult second = salt("common.git", params("repo", repo, "path", clone, "revision", "master"));
        StateResult dry = saltDryRun("common.git", params("repo", repo, "path", clone, "revision", older, "force", true));
        String afterDryRun = run(clone, "git", "rev-parse", "HEAD");
        StateResult back = salt("common.git", params("repo", repo, "path", clone, "revision", older, "force", true));
        String afterBack = run(clone, "git", "rev-parse", "HEAD");
        StateResult backAgain = salt("common.git", params("repo", repo, "path", clone, "revision", older, "force", true));
        Path notGit = Files.createDirectory(tmp.resolve("not-git"));
        Files.writeString(notGit.resolve("x"), "x");
        StateResult notAClone = salt("common.git", params("repo", repo, "path", notGit));

        assertChanged(first);
        assertUnchanged(second);
        assertChanged(dry);
        assertThat(afterDryRun).isEqualTo(newer);
        assertChanged(back);
        assertThat(afterBack).isEqualTo(older);
        assertThat(Files.readString(clone.resolve("a"))).isEqualTo("1\n");
        assertUnchanged(backAgain);
        assertFailed(notAClone);
    }
}
