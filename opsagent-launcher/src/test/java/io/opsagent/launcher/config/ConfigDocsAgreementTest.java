package io.opsagent.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.testing.RepositoryFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/configuration.md, config/opsagent.conf and the loader's registry ({@link ConfigKeys#ALL})
 * must list the same keys with the same defaults.
 */
class ConfigDocsAgreementTest {

    private static final String NONE = "";

    /** One documented key: its default ({@code ""} for none), environment variable and meaning. */
    record DocRow(String defaultValue, String environmentVariable, String meaning) {}

    @Test
    void theDocumentListsEveryKeyWithTheLoadersDefaultAndVariable() throws IOException {
        Map<String, DocRow> documented = documentedKeys();

        assertThat(documented.keySet()).containsExactlyElementsOf(registryNames());
        for (ConfigKey key : ConfigKeys.ALL) {
            DocRow row = documented.get(key.displayName());
            assertThat(row.defaultValue()).as("default of %s in docs/configuration.md", key.displayName())
                    .isEqualTo(key.defaultText().orElse(NONE));
            if (key.isUsed()) {
                assertThat(row.environmentVariable()).as("variable of %s", key.displayName())
                        .isEqualTo(key.environmentVariable());
                assertThat(row.meaning()).as("meaning of %s", key.displayName()).doesNotStartWith("Ignored");
            } else {
                assertThat(row.environmentVariable()).as("variable of ignored %s", key.displayName()).isEqualTo(NONE);
                assertThat(row.meaning()).as("meaning of %s", key.displayName()).startsWith("Ignored");
            }
        }
    }

    @Test
    void theSampleFileShowsEveryKeyWithTheLoadersDefault() throws IOException {
        Map<String, String> sample = sampleKeys();

        assertThat(sample.keySet()).containsExactlyElementsOf(registryNames());
        for (ConfigKey key : ConfigKeys.ALL) {
            assertThat(sample.get(key.displayName())).as("default of %s in config/opsagent.conf", key.displayName())
                    .isEqualTo(key.defaultText().orElse(NONE));
        }
    }

    @Test
    void theSampleFileLoadsAsIsAndWithEveryDefaultUncommented(@TempDir Path root) throws IOException {
        Path sample = RepositoryFiles.resolve("config/opsagent.conf");
        ConfigLoader loader = new ConfigLoader(root, Map.of());
        assertThat(loader.load(sample).warnings()).isEmpty();

        // Uncommenting every key that has a default must give the built-in defaults (host paths as written).
        StringBuilder uncommented = new StringBuilder();
        for (String line : Files.readAllLines(sample, StandardCharsets.UTF_8)) {
            Matcher m = SAMPLE_KEY.matcher(line);
            uncommented.append(m.matches() && !m.group(2).isEmpty() ? line.substring(1) : line).append('\n');
        }
        Path file = root.resolve("uncommented.conf");
        Files.writeString(file, uncommented, StandardCharsets.UTF_8);
        ConfigLoader.Loaded loaded = new ConfigLoader(Path.of("/"), Map.of()).load(file);
        LauncherConfig defaults = new ConfigLoader(Path.of("/"), Map.of()).defaults().config();

        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().round()).isEqualTo(defaults.round());
        assertThat(loaded.config().network()).isEqualTo(defaults.network());
        assertThat(loaded.config().global()).isEqualTo(defaults.global());
        assertThat(loaded.config().salt()).isEqualTo(defaults.salt());
        assertThat(loaded.config().executor()).isEqualTo(defaults.executor());
    }

    @Test
    void everyDocumentedDurationDefaultParses() {
        for (ConfigKey key : ConfigKeys.ALL) {
            if (key.type() == ValueType.DURATION) {
                assertThat(Durations.parse(key.defaultValue())).as(key.displayName()).isPositive();
            }
        }
    }

    private static List<String> registryNames() {
        return ConfigKeys.ALL.stream().map(ConfigKey::displayName).toList();
    }

    private static final Pattern DOC_SECTION = Pattern.compile("^### `\\[([a-z_]+)]`\\s*$");
    private static final Pattern DOC_ROW = Pattern.compile("^\\| `([a-z_]+)` \\| (.+?) \\| (.+?) \\| (.+) \\|\\s*$");
    private static final Pattern SAMPLE_SECTION = Pattern.compile("^\\[([a-z_]+)]\\s*$");
    private static final Pattern SAMPLE_KEY = Pattern.compile("^;([a-z_]+) =\\s?(.*)$");

    static Map<String, DocRow> documentedKeys() throws IOException {
        Map<String, DocRow> keys = new LinkedHashMap<>();
        String section = null;
        for (String line : Files.readAllLines(RepositoryFiles.resolve("docs/configuration.md"), StandardCharsets.UTF_8)) {
            Matcher s = DOC_SECTION.matcher(line);
            if (s.matches()) {
                section = s.group(1);
                continue;
            }
            Matcher row = DOC_ROW.matcher(line);
            if (row.matches() && section != null) {
                String name = "[" + section + "] " + row.group(1);
                assertThat(keys).as("documented twice: %s", name).doesNotContainKey(name);
                keys.put(name, new DocRow(cell(row.group(2)), cell(row.group(3)), row.group(4)));
            }
        }
        return keys;
    }

    private static String cell(String text) {
        String t = text.strip();
        if (t.equals("—")) {
            return NONE;
        }
        assertThat(t).as("a code cell").startsWith("`").endsWith("`");
        return t.substring(1, t.length() - 1);
    }

    static Map<String, String> sampleKeys() throws IOException {
        Map<String, String> keys = new LinkedHashMap<>();
        String section = null;
        for (String line : Files.readAllLines(RepositoryFiles.resolve("config/opsagent.conf"), StandardCharsets.UTF_8)) {
            Matcher s = SAMPLE_SECTION.matcher(line);
            if (s.matches()) {
                section = s.group(1);
                continue;
            }
            Matcher k = SAMPLE_KEY.matcher(line);
            if (k.matches() && section != null) {
                String name = "[" + section + "] " + k.group(1);
                assertThat(keys).as("shown twice: %s", name).doesNotContainKey(name);
                keys.put(name, k.group(2).strip());
            }
        }
        return keys;
    }
}
