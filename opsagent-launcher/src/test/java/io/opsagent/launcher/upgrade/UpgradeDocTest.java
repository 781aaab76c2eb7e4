package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.config.ConfigKey;
import io.opsagent.launcher.config.ConfigKeys;
import io.opsagent.launcher.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/upgrade.md cannot drift: its defaults are the code's, its state file example is readable. */
class UpgradeDocTest {

    private static final Path DOC = Path.of("..", "docs", "upgrade.md"); // tests run in opsagent-launcher/

    @TempDir
    Path dir;

    @Test
    void documentedKeysAreTheKeysTheLoaderReadsWithTheirDefaults() throws IOException {
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\| `\\[upgrade\\] (\\w+)` \\| `?([^`|]+?)`? \\|").matcher(Files.readString(DOC));
        while (m.find()) {
            documented.put(m.group(1), m.group(2).trim());
        }

        Map<String, String> loaded = new LinkedHashMap<>();
        for (ConfigKey key : ConfigKeys.inSection("upgrade")) {
            loaded.put(key.name(), key.defaultText().orElse("(none)"));
        }
        assertThat(documented).containsExactlyEntriesOf(loaded);
        assertThat(documented).containsEntry("handshake_deadline", seconds(UpgradeSettings.DEFAULT_HANDSHAKE_DEADLINE))
                .containsEntry("max_failures", String.valueOf(UpgradeSettings.DEFAULT_MAX_FAILURES));
        assertThat(LauncherUpgrader.RESTART_EXIT_CODE).isEqualTo(75);
        assertThat(Files.readString(DOC)).contains("**" + LauncherUpgrader.RESTART_EXIT_CODE + "**");
    }

    @Test
    void documentedBuiltInLimitsAreTheCodesLimits() throws IOException {
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\| (largest download|largest release|most entries|connect timeout|download timeout)"
                + " \\| ([^|]+?) \\|").matcher(Files.readString(DOC));
        while (m.find()) {
            documented.put(m.group(1), m.group(2));
        }

        assertThat(documented).containsExactly(
                Map.entry("largest download", (UpgradeSettings.DEFAULT_MAX_DOWNLOAD_BYTES >> 20) + " MiB"),
                Map.entry("largest release", (UpgradeSettings.DEFAULT_MAX_RELEASE_BYTES >> 20) + " MiB"),
                Map.entry("most entries", String.valueOf(UpgradeSettings.DEFAULT_MAX_RELEASE_ENTRIES)),
                Map.entry("connect timeout", UpgradeSettings.DEFAULT_CONNECT_TIMEOUT.toSeconds() + " s"),
                Map.entry("download timeout", UpgradeSettings.DEFAULT_DOWNLOAD_TIMEOUT.toMinutes() + " min"));
    }

    @Test
    void stateFileExampleIsWhatTheAgentReads() throws IOException {
        Matcher m = Pattern.compile("(?s)```json\\n(.*?)```").matcher(Files.readString(DOC));
        assertThat(m.find()).as("the doc has a json example").isTrue();
        Files.writeString(dir.resolve("upgrade.json"), m.group(1));

        UpgradeState state = UpgradeState.load(dir.resolve("upgrade.json"), 3, new ManualClock());

        assertThat(dir.resolve("upgrade.json")).as("not moved aside as corrupt").exists();
        assertThat(state.pending()).hasValueSatisfying(p -> assertThat(p.version()).isEqualTo("1.4"));
        assertThat(state.inFlight()).hasValueSatisfying(s -> {
            assertThat(s.previousVersion()).isEqualTo("1.2");
            assertThat(Duration.between(s.firstStartAt(), s.deadline())).isEqualTo(UpgradeSettings.DEFAULT_HANDSHAKE_DEADLINE);
            assertThat(s.deadline()).isEqualTo(Instant.parse("2026-11-26T12:00:12Z"));
        });
        assertThat(state.isBad("1.1")).isTrue();
        assertThat(state.lastGood()).contains("1.2");
    }

    private static String seconds(Duration d) {
        return d.toSeconds() + "s";
    }
}
