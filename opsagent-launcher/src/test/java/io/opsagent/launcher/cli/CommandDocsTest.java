package io.opsagent.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.testing.RepositoryFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The commands table of docs/operations.md names every command the launcher parses. */
class CommandDocsTest {

    @Test
    void theOperationsGuideListsEveryCommand() throws IOException {
        String guide = Files.readString(RepositoryFiles.resolve("docs/operations.md"), StandardCharsets.UTF_8);

        assertThat(CommandModel.commandNames()).isNotEmpty()
                .allSatisfy(name -> assertThat(guide).contains("| `opsagent " + name));
    }
}
