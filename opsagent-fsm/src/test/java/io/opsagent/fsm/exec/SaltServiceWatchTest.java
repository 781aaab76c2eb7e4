package io.opsagent.fsm.exec;

import static io.opsagent.fsm.testutil.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.salt.HostFacts;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.testutil.ResultRecorder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code watch} on {@code linux.service} in the Salt executor, against a stand-in salt-call that
 * replays recorded runs: which SLS is generated, and when the watched sums are stored.
 */
@Timeout(120)
class SaltServiceWatchTest {

    @TempDir
    Path tmp;

    private Path conf;
    private Path watchDir;
    private RecipeState service;

    @BeforeEach
    void setUp() throws IOException {
        conf = Files.writeString(tmp.resolve("nginx.conf"), "worker_processes 1;\n");
        watchDir = tmp.resolve("watch");
        service = new RecipeState("web", "linux.service",
                obj("{'name': [{'key': 'nginx', 'value': ''}], 'watch': ['" + conf + "']}"));
    }

    @Test
    void firstSightActsOnTheServiceAndStoresTheSumsAfterSuccess() throws IOException {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp.resolve("a"), "17a-recommended-success");

        StateResult r = run(fake, watchDir, false);

        assertThat(r.success()).isTrue();
        assertThat(fake.sls()).contains("\"service.mod_watch\"").contains("\"service.running\"");
        assertThat(sumFiles()).isEqualTo(1);
    }

    @Test
    void unchangedFilesOnlyKeepTheServiceRunning() throws IOException {
        run(FakeSaltCall.replaying(tmp.resolve("a"), "17a-recommended-success"), watchDir, false);
        FakeSaltCall second = FakeSaltCall.replaying(tmp.resolve("b"), "17a-recommended-success");

        run(second, watchDir, false);

        assertThat(second.sls()).doesNotContain("mod_watch").contains("\"service.running\"");
    }

    @Test
    void aChangedFileActsOnTheServiceAgain() throws IOException {
        run(FakeSaltCall.replaying(tmp.resolve("a"), "17a-recommended-success"), watchDir, false);
        Files.writeString(conf, "worker_processes 4;\n");
        FakeSaltCall second = FakeSaltCall.replaying(tmp.resolve("b"), "17a-recommended-success");

        run(second, watchDir, false);

        assertThat(second.sls()).contains("\"service.mod_watch\"");
    }

    @Test
    void aFailedRunStoresNothingSoTheNextRoundActsAgain() throws IOException {
        StateResult failed = run(FakeSaltCall.replaying(tmp.resolve("a"), "17b-recommended-failure"), watchDir, false);
        assertThat(failed.success()).isFalse();
        assertThat(sumFiles()).isZero();

        FakeSaltCall retry = FakeSaltCall.replaying(tmp.resolve("b"), "17a-recommended-success");
        run(retry, watchDir, false);

        assertThat(retry.sls()).contains("\"service.mod_watch\"");
        assertThat(sumFiles()).isEqualTo(1);
    }

    @Test
    void aDryRunStoresNothing() throws IOException {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp.resolve("a"), "17c-recommended-test-mode");

        StateResult r = run(fake, watchDir, true);

        assertThat(r.success()).isTrue();
        assertThat(fake.sls()).contains("\"service.mod_watch\"");
        assertThat(sumFiles()).isZero();
    }

    @Test
    void withoutAWatchDirectoryTheWatchIsIgnored() throws IOException {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp.resolve("a"), "17a-recommended-success");

        run(fake, null, false);

        assertThat(fake.sls()).doesNotContain("mod_watch");
        assertThat(watchDir).doesNotExist();
    }

    @Test
    void anInvalidWatchIsAClearFailureBeforeSaltRuns() throws IOException {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp.resolve("a"), "17a-recommended-success");
        RecipeState bad = new RecipeState("web", "linux.service", obj("{'name': [{'key': 'nginx'}], 'watch': {'a': 1}}"));

        StateResult r = run(fake, watchDir, bad, false);

        assertThat(r.success()).isFalse();
        assertThat(r.comment()).contains("watch");
        assertThat(tmp.resolve("a/capture/argv")).doesNotExist();
    }

    private long sumFiles() throws IOException {
        if (!Files.isDirectory(watchDir)) {
            return 0;
        }
        try (var files = Files.list(watchDir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".cksum")).count();
        }
    }

    private StateResult run(FakeSaltCall fake, Path watch, boolean dryRun) {
        return run(fake, watch, service, dryRun);
    }

    private StateResult run(FakeSaltCall fake, Path watch, RecipeState state, boolean dryRun) {
        SaltCallExecutor executor = new SaltCallExecutor(fake.script(), null, tmp.resolve("work"), HostFacts.unknown(),
                ProcessLauncher.standard(), SaltWorkerSettings.off(), watch);
        ResultRecorder recorder = new ResultRecorder();
        executor.start(new StateRequest(7, state, dryRun, Duration.ofMinutes(1)), recorder);
        return recorder.await();
    }
}
