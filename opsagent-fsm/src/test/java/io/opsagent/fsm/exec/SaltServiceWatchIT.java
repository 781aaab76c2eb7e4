package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.testutil.ResultRecorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code watch} on {@code linux.service} through real Salt. This host runs no init system, so
 * Salt's {@code service.running} does nothing ("OFFLINE mode") while {@code service.mod_watch}
 * fails (it cannot start the service): a service with a custom command succeeds and stores its
 * sums; one left to {@code mod_watch} fails here and stores nothing.
 */
class SaltServiceWatchIT extends RealSaltBase {

    @Test
    void aWatchedServiceRunsThroughSaltAndItsSumsAreStoredOnlyAfterARealSuccess() throws Exception {
        assumeTrue(!Files.isDirectory(Path.of("/run/systemd/system")), "systemd runs here: services would really restart");
        Path conf = Files.writeString(tmp.resolve("app.conf"), "listen 8080\n");
        Path watchDir = tmp.resolve("watch");
        RecipeState state = io.opsagent.fsm.testutil.Json.state("watched", "linux.service",
                params("name", Map.of("opsagent-test-service", "true"), "watch", List.of(conf.toString())));
        RecipeState restarted = io.opsagent.fsm.testutil.Json.state("restarted", "linux.service",
                params("name", Map.of("opsagent-test-service", ""), "watch", List.of(conf.toString())));
        SaltCallExecutor executor = new SaltCallExecutor(saltCall, tmp.resolve("salt-config"),
                tmp.resolve("salt-work"), SaltWorkerSettings.off(), watchDir);
        try {
            StateResult dry = apply(executor, state, true);
            boolean storedAfterDryRun = Files.exists(watchDir);
            StateResult first = apply(executor, state, false);
            StateResult failedRestart = apply(executor, restarted, false);
            Path sum = watchDir.resolve(("watched-" + conf).replace('/', '-') + ".cksum");

            assertThat(dry.success()).as(dry.comment()).isTrue();
            assertThat(storedAfterDryRun).isFalse();
            assertThat(first.success()).as(first.comment()).isTrue();
            assertThat(Files.readString(sum)).isEqualTo(io.opsagent.fsm.internal.exec.WatchSums.md5(conf));
            assertThat(failedRestart.success()).isFalse();
            assertThat(failedRestart.comment()).contains("Failed to start the service");
            assertThat(watchDir.resolve(("restarted-" + conf).replace('/', '-') + ".cksum")).doesNotExist();
        } finally {
            executor.close();
        }
    }

    private static StateResult apply(SaltCallExecutor executor, RecipeState state, boolean dryRun) {
        ResultRecorder recorder = new ResultRecorder();
        executor.start(new StateRequest(1, state, dryRun, LIMIT), recorder);
        StateResult result = recorder.await(LIMIT.plusSeconds(30));
        assertThat(result).isNotNull();
        return result;
    }
}
