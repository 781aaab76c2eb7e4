package io.opsagent.bench.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirsTest {

  @TempDir Path temp;

  @Test
  void deleteRemovesTheFolderAndItsTreeButNotWhatALinkPointsTo() throws Exception {
    Path outside = Files.writeString(temp.resolve("outside.txt"), "keep");
    Path dir = Files.createDirectories(temp.resolve("work/etc/deep"));
    Files.writeString(dir.resolve("opsagent.token"), "t");
    Files.createSymbolicLink(temp.resolve("work/link"), outside);

    WorkDirs.delete(temp.resolve("work"));

    assertThat(temp.resolve("work")).doesNotExist();
    assertThat(outside).hasContent("keep");
  }

  @Test
  void deleteOfAMissingFolderIsNoError() {
    WorkDirs.delete(temp.resolve("never-made"));

    assertThat(temp.resolve("never-made")).doesNotExist();
  }
}
