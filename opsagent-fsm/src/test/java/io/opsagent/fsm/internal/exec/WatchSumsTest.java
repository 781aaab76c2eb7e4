package io.opsagent.fsm.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchSumsTest {

    @TempDir
    Path tmp;

    private Path write(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content, StandardCharsets.UTF_8);
    }

    @Test
    void firstSightFiresAndNothingIsStoredByChecking() throws IOException {
        Path conf = write("app.conf", "abc");
        WatchSums sums = new WatchSums(tmp.resolve("watch"));

        WatchSums.Check check = sums.check("web", List.of(conf.toString()));

        assertThat(check.fired()).isTrue();
        assertThat(check.current()).containsEntry(conf.toString(), "900150983cd24fb0d6963f7d28e17f72");
        assertThat(tmp.resolve("watch")).doesNotExist();
    }

    @Test
    void theSumIsTheMd5OfTheContent() throws IOException {
        assertThat(WatchSums.md5(write("abc", "abc"))).isEqualTo("900150983cd24fb0d6963f7d28e17f72");
    }

    @Test
    void storedSumsOfUnchangedFilesDoNotFire() throws IOException {
        Path conf = write("app.conf", "a=1\n");
        WatchSums sums = new WatchSums(tmp.resolve("watch"));
        sums.store(sums.check("web", List.of(conf.toString())));

        assertThat(sums.check("web", List.of(conf.toString())).fired()).isFalse();
    }

    @Test
    void aChangedFileFires() throws IOException {
        Path a = write("a.conf", "a=1\n");
        Path b = write("b.conf", "b=1\n");
        WatchSums sums = new WatchSums(tmp.resolve("watch"));
        sums.store(sums.check("web", List.of(a.toString(), b.toString())));

        write("b.conf", "b=2\n");

        assertThat(sums.check("web", List.of(a.toString(), b.toString())).fired()).isTrue();
    }

    @Test
    void sumsAreKeptPerStateId() throws IOException {
        Path conf = write("app.conf", "a=1\n");
        WatchSums sums = new WatchSums(tmp.resolve("watch"));
        sums.store(sums.check("web", List.of(conf.toString())));

        assertThat(sums.check("db", List.of(conf.toString())).fired()).isTrue();
    }

    @Test
    void aMissingFileHashesAsNoneAndFiresWhenItAppears() throws IOException {
        Path conf = tmp.resolve("later.conf");
        WatchSums sums = new WatchSums(tmp.resolve("watch"));
        WatchSums.Check first = sums.check("web", List.of(conf.toString()));
        assertThat(first.current()).containsEntry(conf.toString(), WatchSums.NONE);
        assertThat(first.fired()).isTrue();
        sums.store(first);
        assertThat(sums.check("web", List.of(conf.toString())).fired()).isFalse();

        write("later.conf", "x\n");

        assertThat(sums.check("web", List.of(conf.toString())).fired()).isTrue();
    }

    @Test
    void aDirectoryHashesAsNone() {
        assertThat(WatchSums.md5(tmp)).isEqualTo(WatchSums.NONE);
    }

    @Test
    void sumFilesAreNamedAsVisualOpsNamedThem() throws IOException {
        Path conf = write("app.conf", "a=1\n");
        WatchSums sums = new WatchSums(tmp.resolve("watch"));
        sums.store(sums.check("web", List.of(conf.toString())));

        Path expected = tmp.resolve("watch").resolve("web-" + conf.toString().replace('/', '-') + ".cksum");
        assertThat(sums.sumFile("web", conf.toString())).isEqualTo(expected);
        assertThat(Files.readString(expected)).isEqualTo(WatchSums.md5(conf));
        try (var files = Files.list(tmp.resolve("watch"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(expected.getFileName().toString());
        }
    }
}
