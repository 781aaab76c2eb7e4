package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.internal.exec.TextCaps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code docs/executors.md} lists what the code supports, with the caps the code uses. */
class ExecutorsDocTest {

    private static final Path DOC = Path.of("..", "docs", "executors.md");

    @Test
    void theModuleTablesListExactlyTheSupportedModules() throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        assertThat(tableModules(section(doc, "## Salt executor"))).containsExactlyElementsOf(SaltCallExecutor.supportedModules());
        assertThat(tableModules(section(doc, "## Built-in executor"))).containsExactlyInAnyOrderElementsOf(NativeExecutor.supportedModules());
    }

    @Test
    void theCapsInTheDocAreTheCapsInTheCode() throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        assertThat(TextCaps.REPORT_CAP_BYTES).isEqualTo(64 * 1024);
        assertThat(doc).contains("64 KiB").contains("16 MiB");
        assertThat(SaltCallExecutor.STDOUT_READ_CAP_BYTES).isEqualTo(16 * 1024 * 1024);
    }

    @Test
    void theCodeSnippetIsTheOneInTheCompiledTest() throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        String test = Files.readString(Path.of("src/test/java/io/opsagent/fsm/exec/StateExecutorsTest.java"), StandardCharsets.UTF_8);
        int start = test.indexOf("// snippet: choosing-an-executor\n");
        int end = test.indexOf("        // end snippet", start);
        assertThat(start).isPositive();
        String snippet = test.substring(start + "// snippet: choosing-an-executor\n".length(), end)
                .lines().map(l -> l.substring(Math.min(8, l.length()))).reduce("", (a, b) -> a + b + "\n");
        assertThat(doc).contains("```java\n" + snippet + "```");
    }

    /** The text from {@code heading} to the next heading of the same level. */
    private static String section(String doc, String heading) {
        int start = doc.indexOf("\n" + heading + "\n");
        assertThat(start).as("heading " + heading).isNotNegative();
        int end = doc.indexOf("\n## ", start + heading.length() + 1);
        return end < 0 ? doc.substring(start) : doc.substring(start, end);
    }

    /** The module names in the first column of the section's first table. */
    private static List<String> tableModules(String section) {
        Matcher m = Pattern.compile("(?m)^\\| `((?:linux|common)\\.[a-z.]+)` \\|").matcher(section);
        List<String> modules = new java.util.ArrayList<>();
        while (m.find()) {
            modules.add(m.group(1));
        }
        return modules;
    }
}
