package io.opsagent.fsm.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

    @TempDir
    Path temp;

    @Test
    void deleteRemovesTheTreeAndItsLinksButNotWhatTheyPointTo() throws Exception {
        Path kept = Files.createDirectories(temp.resolve("kept"));
        Files.writeString(kept.resolve("file"), "keep");
        Path tree = Files.createDirectories(temp.resolve("tree/a/b"));
        Files.writeString(tree.resolve("deep.txt"), "x");
        Files.createSymbolicLink(temp.resolve("tree/a/to-kept"), kept);

        FileTrees.delete(temp.resolve("tree"));

        assertThat(temp.resolve("tree")).doesNotExist();
        assertThat(kept.resolve("file")).hasContent("keep");
    }

    @Test
    void deleteOfAMissingTreeIsNoError() throws Exception {
        FileTrees.delete(temp.resolve("missing"));

        assertThat(temp.resolve("missing")).doesNotExist();
    }
}
