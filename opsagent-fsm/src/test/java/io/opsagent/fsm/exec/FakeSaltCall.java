package io.opsagent.fsm.exec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A stand-in {@code salt-call}: a shell script that records how it was called and replays one
 * recorded Salt run (stdout, stderr, exit code) from {@code src/test/resources/salt-fixtures}.
 *
 * <p>It writes into its capture directory: {@code argv} (the program, then one argument per line), a copy of the
 * SLS file it was given, the modes of the file root and the SLS file, its working directory,
 * and a {@code log} with one {@code start PID} and one {@code end PID} line per call. An extra
 * shell snippet runs between those two lines.
 */
final class FakeSaltCall {

    private final Path script;
    private final Path capture;

    private FakeSaltCall(Path script, Path capture) {
        this.script = script;
        this.capture = capture;
    }

    /** A fake that replays {@code fixture}. */
    static FakeSaltCall replaying(Path dir, String fixture) throws IOException {
        return replaying(dir, fixture, "");
    }

    /** A fake that replays {@code fixture} after running {@code extra} (shell code). */
    static FakeSaltCall replaying(Path dir, String fixture, String extra) throws IOException {
        Path fixtureDir = Files.createDirectories(dir.resolve("fixture"));
        for (String f : List.of("stdout.txt", "stderr.txt", "exit_code")) {
            Files.write(fixtureDir.resolve(f), resource("/salt-fixtures/" + fixture + "/" + f));
        }
        Path capture = Files.createDirectories(dir.resolve("capture"));
        String text = "#!/bin/sh\n"
                + "# stand-in for salt-call: replays the recorded run " + fixture + "\n"
                + "cap=" + quote(capture) + "\n"
                + "fix=" + quote(fixtureDir) + "\n"
                + "{ printf '%s\\n' \"$0\"; for a in \"$@\"; do printf '%s\\n' \"$a\"; done; } > \"$cap/argv\"\n"
                + "root=\n"
                + "for a in \"$@\"; do case \"$a\" in --file-root=*) root=\"${a#--file-root=}\";; esac; done\n"
                + "if [ -n \"$root\" ]; then\n"
                + "  cp \"$root/vops.sls\" \"$cap/vops.sls\"\n"
                + "  stat -c '%a' \"$root\" > \"$cap/root.mode\"\n"
                + "  stat -c '%a' \"$root/vops.sls\" > \"$cap/sls.mode\"\n"
                + "fi\n"
                + "pwd > \"$cap/cwd\"\n"
                + "echo \"start $$\" >> \"$cap/log\"\n"
                + extra + "\n"
                + "echo \"end $$\" >> \"$cap/log\"\n"
                + "cat \"$fix/stdout.txt\"\n"
                + "cat \"$fix/stderr.txt\" >&2\n"
                + "exit $(cat \"$fix/exit_code\")\n";
        Path script = dir.resolve("salt-call");
        Files.writeString(script, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new FakeSaltCall(script, capture);
    }

    Path script() {
        return script;
    }

    List<String> argv() throws IOException {
        return Files.readAllLines(capture.resolve("argv"), StandardCharsets.UTF_8);
    }

    String sls() throws IOException {
        return Files.readString(capture.resolve("vops.sls"), StandardCharsets.UTF_8);
    }

    String captured(String name) throws IOException {
        return Files.readString(capture.resolve(name), StandardCharsets.UTF_8).trim();
    }

    List<String> log() throws IOException {
        Path log = capture.resolve("log");
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    }

    static String quote(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = FakeSaltCall.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }
}
