package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.spi.StateResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code linux.cmd} through real Salt, and the same end state as the built-in executor. */
class SaltCmdIT extends RealSaltBase {

    @Test
    void aGuardedCommandRunsOnceADryRunRunsNothingAndAFailureKeepsItsOutput() throws Exception {
        Path marker = tmp.resolve("done");
        String cmd = "echo ran; echo \"$GREETING\" > done";
        var p = params("cmd", cmd, "cwd", tmp, "if-path-absent", List.of(marker), "env", Map.of("GREETING", "hello"));

        StateResult dry = saltDryRun("linux.cmd", p);
        boolean ranInDryRun = Files.exists(marker);
        StateResult first = salt("linux.cmd", p);
        StateResult second = salt("linux.cmd", p);
        StateResult failure = salt("linux.cmd", params("cmd", "echo out; echo err >&2; exit 3", "cwd", tmp));

        assertChanged(dry);
        assertThat(ranInDryRun).isFalse();
        assertChanged(first);
        assertThat(first.stdout()).isEqualTo("ran");
        assertThat(Files.readString(marker)).isEqualTo("hello\n");
        assertUnchanged(second);
        assertFailed(failure);
        assertThat(failure.stdout()).contains("out").contains("err");
    }

    @Test
    void theSameCommandLeavesTheSameEndStateAsTheBuiltinExecutor() throws Exception {
        Path viaSalt = Files.createDirectory(tmp.resolve("salt"));
        Path viaBuiltin = Files.createDirectory(tmp.resolve("builtin"));
        String cmd = "umask 022; mkdir -p out && printf 'a\\nb\\n' > out/list && ln -s list out/link && pwd > out/where-not";

        StateResult s = salt("linux.cmd", params("cmd", cmd, "cwd", viaSalt, "shell", "/bin/bash"));
        StateResult b = builtin("linux.cmd", params("cmd", cmd, "cwd", viaBuiltin, "shell", "/bin/bash"));

        assertChanged(s);
        assertChanged(b);
        Files.delete(viaSalt.resolve("out/where-not"));
        Files.delete(viaBuiltin.resolve("out/where-not"));
        assertThat(describe(viaSalt)).isEqualTo(describe(viaBuiltin));
    }
}
