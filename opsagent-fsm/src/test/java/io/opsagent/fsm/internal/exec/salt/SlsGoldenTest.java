package io.opsagent.fsm.internal.exec.salt;

import static io.opsagent.fsm.testutil.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.fsm.protocol.RecipeState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exact SLS file generated for each core module, compared with the golden files in
 * {@code src/test/resources/sls/}. After an intended change, regenerate them with
 * {@code -Dopsagent.golden.update=true} and review the diff.
 */
class SlsGoldenTest {

    private static final HostFacts DEBIAN = HostFacts.parse("ID=debian\nVERSION_ID=\"12\"\n");
    private static final HostFacts CENTOS = HostFacts.parse("ID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\n");

    /** Stands for the private file root of one run. */
    private static final Path FILE_ROOT = Path.of("/var/tmp/opsagent-salt-0123");

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("apt-package", DEBIAN, "linux.apt.package", obj("{'name': ["
                        + "{'key': 'nginx', 'value': ''}, {'key': 'curl', 'value': '7.88.1-10'},"
                        + "{'key': 'vim', 'value': 'latest'}, {'key': 'telnet', 'value': 'removed'},"
                        + "{'key': 'ftp', 'value': 'purged'}, {'key': 'htop'}],"
                        + "'repo': 'bookworm-backports', 'deb-conf-file': '/root/nginx.debconf', 'verify-gpg': true}")),
                Arguments.of("apt-package-files", DEBIAN, "linux.apt.package", obj("{'name': ["
                        + "{'key': 'nginx', 'value': ''}, {'key': 'mytool', 'value': 'https://example.com/mytool_1.0_amd64.deb'}],"
                        + "'verify-gpg': false}")),
                Arguments.of("yum-package", CENTOS, "linux.yum.package", obj("{'name': ["
                        + "{'key': 'httpd', 'value': ''}, {'key': 'git', 'value': '1.8.3.1'}, {'key': 'wget', 'value': 'removed'}],"
                        + "'repo': 'epel'}")),
                Arguments.of("file", DEBIAN, "linux.file", obj("{'path': '/etc/motd', 'content': 'Welcome to $path\\n{{ not jinja }} h\u00e9llo\\n',"
                        + "'user': 'root', 'group': 'adm', 'mode': '0640'}")),
                Arguments.of("file-defaults", DEBIAN, "linux.file", obj("{'path': '/var/lib/app/ready'}")),
                Arguments.of("file-absent", DEBIAN, "linux.file", obj("{'path': '/tmp/old.conf', 'absent': true, 'mode': '0600'}")),
                Arguments.of("dir", DEBIAN, "linux.dir", obj("{'path': ['/srv/www', '/srv/logs'], 'user': 'www-data', 'group': 'www-data',"
                        + "'mode': '2775', 'recursive': true}")),
                Arguments.of("dir-absent", DEBIAN, "linux.dir", obj("{'path': ['/srv/old'], 'absent': true}")),
                Arguments.of("symlink", DEBIAN, "linux.symlink", obj("{'source': '/opt/app/releases/42', 'target': '/opt/app/current',"
                        + "'user': 'deploy', 'group': 'deploy'}")),
                Arguments.of("symlink-absent", DEBIAN, "linux.symlink", obj("{'source': '/x', 'target': '/opt/app/current', 'absent': true}")),
                Arguments.of("cmd", DEBIAN, "linux.cmd", obj("{'cmd': 'make install PREFIX=$cwd', 'shell': '/bin/bash', 'cwd': '/srv/src',"
                        + "'user': 'builder', 'group': 'staff', 'timeout': '120',"
                        + "'env': [{'key': 'LANG', 'value': 'C.UTF-8'}, {'key': 'EMPTY', 'value': ''}, {'key': '', 'value': 'x'}],"
                        + "'if-path-present': ['/srv/src/Makefile'], 'if-path-absent': ['/srv/src/installed marker']}")),
                Arguments.of("cmd-default-cwd", DEBIAN, "linux.cmd", obj("{'cmd': 'date > /tmp/now'}")),
                Arguments.of("service", DEBIAN, "linux.service", obj("{'name': [{'key': 'nginx', 'value': ''}, {'key': 'cron', 'value': 'restart'}],"
                        + "'watch': ['/etc/nginx/nginx.conf']}")),
                Arguments.of("user", DEBIAN, "linux.user", obj("{'username': 'deploy', 'password': 's3cret$username', 'fullname': 'Deploy $username',"
                        + "'uid': '1500', 'gid': '1500', 'groups': ['sudo', 'adm'], 'no-login': false, 'system-account': false}")),
                Arguments.of("user-hashed-nologin", DEBIAN, "linux.user", obj("{'username': 'svc', 'password': '$6$abcdefgh$0123456789abcdef',"
                        + "'home': '/var/lib/svc', 'gid': 'daemon', 'groups': [], 'no-login': true, 'system-account': true}")),
                Arguments.of("group", DEBIAN, "linux.group", obj("{'groupname': 'deploy', 'gid': 1500, 'system-group': true}")),
                Arguments.of("cronjob", DEBIAN, "linux.cronjob", obj("{'cmd': ['/usr/local/bin/backup', 'find /tmp -mtime +7 -delete'],"
                        + "'user': 'root', 'minute': '30', 'hour': '2'}")),
                Arguments.of("git", DEBIAN, "common.git", obj("{'repo': 'https://github.com/example/app.git', 'path': '/srv/app/',"
                        + "'revision': 'v1.2.0', 'ssh-key-file': '/root/.ssh/deploy', 'force': true, 'user': 'deploy'}")),
                Arguments.of("git-defaults", DEBIAN, "common.git", obj("{'repo': 'git@example.com:app.git', 'path': '/srv/app'}")),
                Arguments.of("pip-package", DEBIAN, "common.pip.package", obj("{'name': [{'key': 'requests', 'value': ''},"
                        + "{'key': 'flask', 'value': '2.3.2'}, {'key': 'boto', 'value': 'latest'}, {'key': 'nose', 'value': 'removed'}]}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void generatedSlsMatchesTheGoldenFile(String name, HostFacts host, String module, io.opsagent.fsm.protocol.StateParameters parameter) throws IOException {
        String sls = SlsWriter.render(new SaltTranslator(host).translate(new RecipeState("s1", module, parameter)), FILE_ROOT);

        if (Boolean.getBoolean("opsagent.golden.update")) {
            Files.writeString(Path.of("src/test/resources/sls", name + ".sls"), sls, StandardCharsets.UTF_8);
        }
        assertThat(sls).isEqualTo(golden(name));
    }

    @org.junit.jupiter.api.Test
    void watchedServiceActsOnEachServiceBeforeCheckingAllAreRunning() throws IOException {
        io.opsagent.fsm.protocol.StateParameters parameter = obj("{'name': [{'key': 'nginx', 'value': ''}, {'key': 'cron', 'value': 'restart'},"
                + "{'key': 'php-fpm', 'value': 'reload'}, {'key': 'app', 'value': '/usr/local/bin/app-reload --graceful'}],"
                + "'watch': ['/etc/nginx/nginx.conf']}");
        String sls = SlsWriter.render(new SaltTranslator(DEBIAN).translate(new RecipeState("s1", "linux.service", parameter), true),
                FILE_ROOT);

        if (Boolean.getBoolean("opsagent.golden.update")) {
            Files.writeString(Path.of("src/test/resources/sls/service-watched.sls"), sls, StandardCharsets.UTF_8);
        }
        assertThat(sls).isEqualTo(golden("service-watched"));
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = SlsGoldenTest.class.getResourceAsStream("/sls/" + name + ".sls")) {
            if (in == null) {
                throw new AssertionError("no golden file sls/" + name + ".sls");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
