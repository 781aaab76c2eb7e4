package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.testing.Processes;
import io.opsagent.launcher.testing.RepositoryFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/opsagent: which Java it picks, with which options, the daemon's class archive, and that it execs. */
@Tag("slow")
class BinScriptTest {

    /** A stand-in java that prints its pid and its arguments, one per line. */
    private static final String FAKE_JAVA = "#!/bin/sh\necho \"java $0\"\necho \"pid $$\"\n"
            + "for a in \"$@\"; do echo \"arg $a\"; done\n";

    private static final List<String> JVM_OPTIONS = List.of(
            "-XX:+UseSerialGC", "-Xmx64m", "-Xmn8m", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
            "-Xss512k", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData",
            "-XX:+UnlockDiagnosticVMOptions", "-XX:AsyncDeflationInterval=10000", "-XX:GuaranteedSafepointInterval=0",
            "-Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager");

    @TempDir
    Path dir;

    Path release;

    @BeforeEach
    void release() throws IOException {
        release = dir.resolve("releases/1.0");
        Files.createDirectories(release.resolve("bin"));
        Files.createDirectories(release.resolve("lib"));
        Files.copy(RepositoryFiles.module().resolve("src/dist/bin/opsagent"), release.resolve("bin/opsagent"));
        Files.writeString(release.resolve("lib/opsagent.jar"), "not really a jar");
    }

    private static void executable(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private List<String> lines(Processes.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.stdout().lines().toList();
    }

    @Test
    void prefersTheBundledRuntimeAndExecsItWithTheSmallFootprintOptions() throws Exception {
        executable(release.resolve("runtime/bin/java"), FAKE_JAVA);
        executable(dir.resolve("jdk/bin/java"), FAKE_JAVA);
        // Reached through a link, as /opt/visualops/current/bin/opsagent is.
        Files.createSymbolicLink(dir.resolve("current"), Path.of("releases/1.0"));

        Process process = new ProcessBuilder("sh", dir.resolve("current/bin/opsagent").toString(), "status", "--root",
                "/x y").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();

        List<String> expected = new java.util.ArrayList<>();
        expected.add("java " + dir.resolve("current/runtime/bin/java"));
        expected.add("pid " + process.pid());
        JVM_OPTIONS.forEach(o -> expected.add("arg " + o));
        expected.addAll(List.of("arg -jar", "arg " + dir.resolve("current/lib/opsagent.jar"), "arg status", "arg --root",
                "arg /x y"));
        assertThat(output.lines()).containsExactlyElementsOf(expected);
    }

    @Test
    void releaseSignGetsAHeapForTheWholeTarballAndOtherCommandsDoNot() throws Exception {
        executable(release.resolve("runtime/bin/java"), FAKE_JAVA);

        List<String> sign = lines(Processes.run(List.of("sh", release.resolve("bin/opsagent").toString(),
                "release-sign", "--key", "k", "t.tgz"), Map.of(), dir));
        List<String> status = lines(Processes.run(List.of("sh", release.resolve("bin/opsagent").toString(),
                "status"), Map.of(), dir));

        assertThat(sign).containsSubsequence("arg -Xmx64m", "arg -Xmx512m", "arg -jar");
        assertThat(status).contains("arg -Xmx64m").doesNotContain("arg -Xmx512m");
    }

    @Test
    void usesJavaHomeWhenThereIsNoBundledRuntimeAndAddsTheExtraOptions() throws Exception {
        executable(dir.resolve("jdk/bin/java"), FAKE_JAVA);

        Processes.Result r = Processes.run(List.of("sh", release.resolve("bin/opsagent").toString(), "version"),
                Map.of("JAVA_HOME", dir.resolve("jdk").toString(), "OPSAGENT_JAVA_OPTS", "-Done=1 -Dtwo=2"), dir);

        List<String> out = lines(r);
        assertThat(out.get(0)).isEqualTo("java " + dir.resolve("jdk/bin/java"));
        assertThat(out).containsSubsequence("arg -XX:+UseSerialGC", "arg -Done=1", "arg -Dtwo=2", "arg -jar",
                "arg " + release.resolve("lib/opsagent.jar"), "arg version");
    }

    @Test
    void passesTheReleasesCompileCommandsToTheJvm() throws Exception {
        executable(dir.resolve("jdk/bin/java"), FAKE_JAVA);
        Path commands = release.resolve("lib/compile-commands");
        Files.copy(RepositoryFiles.module().resolve("src/dist/lib/compile-commands"), commands);

        Processes.Result r = Processes.run(List.of("sh", release.resolve("bin/opsagent").toString(), "version"),
                Map.of("JAVA_HOME", dir.resolve("jdk").toString()), dir);

        assertThat(lines(r)).containsSubsequence("arg -XX:TieredStopAtLevel=1", "arg -XX:CompileCommandFile=" + commands,
                "arg -jar");
    }

    @Test
    void theCompileCommandsAreValidAndQuietForThisJava() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path commands = RepositoryFiles.module().resolve("src/dist/lib/compile-commands");

        // A line the JVM cannot parse is reported on stdout and otherwise ignored; 'quiet' keeps
        // the valid ones from being echoed into the agent's output.
        Processes.Result r = Processes.run(List.of(java.toString(), "-XX:TieredStopAtLevel=1",
                "-XX:CompileCommandFile=" + commands, "-version"), Map.of(), dir);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout() + r.stderr()).doesNotContain("CompileCommand").contains("version");
    }

    @Test
    void fallsBackToJavaOnThePath() throws Exception {
        executable(dir.resolve("path/java"), FAKE_JAVA);

        Processes.Result r = Processes.run(List.of("sh", release.resolve("bin/opsagent").toString(), "help"),
                Map.of("JAVA_HOME", dir.resolve("nowhere").toString(), "PATH", dir.resolve("path") + ":/usr/bin:/bin"),
                dir);

        assertThat(lines(r).get(0)).isEqualTo("java " + dir.resolve("path/java"));
    }

    @Test
    void saysWhereItLookedWhenThereIsNoJava() throws Exception {
        Path tools = dir.resolve("tools");
        Files.createDirectories(tools);
        for (String tool : List.of("dirname", "readlink")) {
            Files.createSymbolicLink(tools.resolve(tool), Path.of("/usr/bin", tool));
        }

        Processes.Result r = Processes.run(List.of("/bin/sh", release.resolve("bin/opsagent").toString(), "version"),
                Map.of("PATH", tools.toString(), "JAVA_HOME", ""), dir);

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("opsagent: no Java runtime found: looked for " + release
                + "/runtime/bin/java, $JAVA_HOME/bin/java and java on PATH\n");
    }

    // ------------------------------------------------------------------ the daemon's class data sharing archive

    private Path lib(String name) {
        return release.resolve("lib").resolve(name);
    }

    private List<String> run(Map<String, String> env) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("JAVA_HOME", dir.resolve("jdk").toString());
        return lines(Processes.run(List.of("sh", release.resolve("bin/opsagent").toString(), "run", "--root", "/r"),
                all, dir));
    }

    @Test
    void theFirstRunOfAReleaseArchivesItsClassesWhenItExits() throws Exception {
        executable(dir.resolve("jdk/bin/java"), FAKE_JAVA);

        List<String> out = run(Map.of());

        assertThat(out).containsSubsequence("arg -Xss512k", "arg -XX:+ExitOnOutOfMemoryError",
                "arg -XX:ArchiveClassesAtExit=" + lib("opsagent.jsa.new"), "arg -Xlog:cds=off",
                "arg -Xlog:cds+dynamic=off", "arg -Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager",
                "arg -jar", "arg " + lib("opsagent.jar"), "arg run", "arg --root", "arg /r");
        assertThat(out).noneMatch(line -> line.contains("SharedArchiveFile"));
    }

    @Test
    void theNextRunChecksTheArchiveKeepsItAndLoadsClassesFromIt() throws Exception {
        executable(dir.resolve("jdk/bin/java"), FAKE_JAVA);
        Files.writeString(lib("opsagent.jsa.new"), "an archive");

        List<String> out = run(Map.of());

        assertThat(out).containsSubsequence("arg -XX:SharedArchiveFile=" + lib("opsagent.jsa"), "arg -Xlog:cds=off",
                "arg -jar");
        assertThat(out).noneMatch(line -> line.contains("ArchiveClassesAtExit") || line.contains("-version"));
        assertThat(lib("opsagent.jsa.new")).doesNotExist();
        assertThat(lib("opsagent.jsa")).hasContent("an archive");
        assertThat(Files.readString(lib("opsagent.jsa.id"))).startsWith(dir.resolve("jdk/bin/java").toRealPath() + " ");

        assertThat(run(Map.of())).as("later runs use it as it is")
                .contains("arg -XX:SharedArchiveFile=" + lib("opsagent.jsa"));
    }

    @Test
    void anArchiveThatDoesNotLoadIsDroppedAndMadeAgain() throws Exception {
        executable(dir.resolve("jdk/bin/java"),
                "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = -Xshare:on ] && exit 1; done\n" + FAKE_JAVA.substring(10));
        Files.writeString(lib("opsagent.jsa.new"), "truncated");

        List<String> out = run(Map.of());

        assertThat(lib("opsagent.jsa.new")).doesNotExist();
        assertThat(lib("opsagent.jsa")).doesNotExist();
        assertThat(out).contains("arg -XX:ArchiveClassesAtExit=" + lib("opsagent.jsa.new"));
    }

    @Test
    void anArchiveOfAnotherJavaOrJarIsMadeAgain() throws Exception {
        executable(dir.resolve("jdk/bin/java"), FAKE_JAVA);
        Files.writeString(lib("opsagent.jsa"), "an archive of another Java");
        Files.writeString(lib("opsagent.jsa.id"), "/usr/lib/jvm/other/bin/java 1 2 3 4\n");

        List<String> out = run(Map.of());

        assertThat(lib("opsagent.jsa")).doesNotExist();
        assertThat(lib("opsagent.jsa.id")).doesNotExist();
        assertThat(out).contains("arg -XX:ArchiveClassesAtExit=" + lib("opsagent.jsa.new"));
    }

    // ------------------------------------------------------------------ Java 25: compact headers, AOT cache

    private void java(String version) throws IOException {
        executable(dir.resolve("jdk/bin/java"), FAKE_JAVA);
        Files.writeString(dir.resolve("jdk/release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n");
    }

    @Test
    void onJava25TheFirstRunWritesAnAotCacheWithCompactObjectHeaders() throws Exception {
        java("25.0.3");

        List<String> out = run(Map.of());

        assertThat(out).containsSubsequence("arg -XX:+ExitOnOutOfMemoryError", "arg -XX:+UseCompactObjectHeaders",
                "arg -XX:AOTCacheOutput=" + lib("opsagent.jsa.new"), "arg -Xlog:aot*=off", "arg -jar");
        assertThat(out).noneMatch(line -> line.contains("ArchiveClassesAtExit") || line.contains("SharedArchiveFile"));
    }

    @Test
    void onJava25TheNextRunChecksTheCacheAndUsesIt() throws Exception {
        executable(dir.resolve("jdk/bin/java"),
                "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = -Xshare:on ] && exit 1; done\n" + FAKE_JAVA.substring(10));
        Files.writeString(dir.resolve("jdk/release"), "JAVA_VERSION=\"25\"\n");
        Files.writeString(lib("opsagent.jsa.new"), "a cache");
        Files.writeString(lib("opsagent.jsa.new.config"), "a training record left by a killed JVM");

        List<String> out = run(Map.of());

        assertThat(lib("opsagent.jsa.new.config")).doesNotExist();

        assertThat(lib("opsagent.jsa")).as("checked with -XX:AOTMode=on, not -Xshare:on").hasContent("a cache");
        assertThat(out).containsSubsequence("arg -XX:+UseCompactObjectHeaders", "arg -XX:AOTCache=" + lib("opsagent.jsa"),
                "arg -Xlog:aot*=off", "arg -jar");
    }

    @Test
    void javaBefore25KeepsTheDynamicArchiveAndOrdinaryHeaders() throws Exception {
        for (String version : List.of("17.0.15", "21.0.4", "24")) {
            java(version);

            List<String> out = run(Map.of());

            assertThat(out).as(version).contains("arg -XX:ArchiveClassesAtExit=" + lib("opsagent.jsa.new"))
                    .noneMatch(line -> line.contains("CompactObjectHeaders") || line.contains("AOT"));
        }
    }

    @Test
    void otherCommandsAndOpsagentCdsOffRunWithoutAnArchive() throws Exception {
        executable(dir.resolve("jdk/bin/java"), FAKE_JAVA);
        Files.writeString(lib("opsagent.jsa.new"), "an archive");

        List<String> off = run(Map.of("OPSAGENT_CDS", "off"));
        List<String> status = lines(Processes.run(List.of("sh", release.resolve("bin/opsagent").toString(), "status"),
                Map.of("JAVA_HOME", dir.resolve("jdk").toString()), dir));

        for (List<String> out : List.of(off, status)) {
            assertThat(out).noneMatch(line -> line.contains("Archive") || line.contains("cds"));
        }
        assertThat(lib("opsagent.jsa.new")).as("left alone").exists();
    }
}
