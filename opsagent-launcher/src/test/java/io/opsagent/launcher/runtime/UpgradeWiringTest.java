package io.opsagent.launcher.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.spi.Upgrader;
import io.opsagent.launcher.AgentContext;
import io.opsagent.launcher.config.ConfigLoader;
import io.opsagent.launcher.config.LauncherConfig;
import io.opsagent.launcher.host.HostLayout;
import io.opsagent.launcher.status.StatusFile;
import io.opsagent.launcher.upgrade.ReleaseKeys;
import io.opsagent.launcher.upgrade.ReleaseKind;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code opsagent run} does with an upgrade order when the configuration lacks a piece:
 * the order is refused with a reason, which the round machine reports to the backend as a
 * failed StateLog, and nothing is fetched.
 */
class UpgradeWiringTest {

    @TempDir
    Path root;

    private UpgradeWiring wiring(String upgradeConfig) throws IOException {
        Path file = Files.createDirectories(root.resolve("etc")).resolve("opsagent.conf");
        Files.writeString(file, "[userdata]\nws_uri = ws://127.0.0.1:9/agent/\napp_id = app-1\n"
                + "[network]\ninstance_id = i-wiring-test\n" + upgradeConfig);
        LauncherConfig config = new ConfigLoader(root, Map.of()).load(file).config();
        HostLayout layout = HostLayout.of(root, config);
        Files.createDirectories(layout.stateDir());
        AgentContext context = new AgentContext(config, layout, Optional.empty(), new StatusFile(layout.statusFile()),
                "1.2", new PrintStream(OutputStream.nullOutputStream()));
        return UpgradeWiring.create(context, "1.2", ReleaseKind.PLAIN, Clock.systemUTC());
    }

    private static String outcome(UpgradeWiring wiring, AgentUpdate order) throws Exception {
        CompletableFuture<String> outcome = new CompletableFuture<>();
        wiring.upgrader.upgrade(order, new Upgrader.UpgradeCallback() {
            @Override
            public void finished() {
                outcome.complete("finished");
            }

            @Override
            public void failed(String reason) {
                outcome.complete(reason);
            }
        });
        return outcome.get(30, TimeUnit.SECONDS);
    }

    @Test
    void withoutAPublicKeyEveryOrderIsRefusedWithTheReason() throws Exception {
        try (UpgradeWiring wiring = wiring("[userdata]\nbase_remote = http://127.0.0.1:9/releases\n")) {
            assertThat(outcome(wiring, new AgentUpdate("1.3", null))).isEqualTo(
                    "refused: no upgrade public key is configured ([upgrade] public_key), so no release can be verified");
        }
        assertThat(root.resolve("opt/visualops/releases")).doesNotExist();
    }

    @Test
    void withoutBaseRemoteAnOrderWithoutATarballUrlIsRefusedWithTheReason() throws Exception {
        String key;
        try {
            key = ReleaseKeys.toBase64(KeyPairGenerator.getInstance(ReleaseKeys.ALGORITHM).generateKeyPair().getPublic());
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
        try (UpgradeWiring wiring = wiring("[upgrade]\npublic_key = " + key + "\n")) {
            assertThat(outcome(wiring, new AgentUpdate("1.3", "ws://old-backend.example/agent")))
                    .contains("no base_remote is configured to download release 1.3 from");
        }
        assertThat(root.resolve("opt/visualops/releases")).doesNotExist();
    }
}
