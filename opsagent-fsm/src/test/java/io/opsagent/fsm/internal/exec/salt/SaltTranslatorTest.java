package io.opsagent.fsm.internal.exec.salt;

import static io.opsagent.fsm.testutil.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.opsagent.fsm.protocol.InvalidParameterException;
import io.opsagent.fsm.protocol.RecipeState;
import java.util.List;
import org.junit.jupiter.api.Test;

class SaltTranslatorTest {

    private static final HostFacts DEBIAN = HostFacts.parse("ID=debian\nVERSION_ID=\"12\"\n");
    private final SaltTranslator translator = new SaltTranslator(DEBIAN);

    @Test
    void supportsExactlyTheCoreModules() {
        assertThat(SaltTranslator.supportedModules()).containsExactly(
                "linux.apt.package", "linux.yum.package", "linux.file", "linux.dir", "linux.symlink", "linux.cmd",
                "linux.service", "linux.user", "linux.group", "linux.cronjob", "common.git", "common.pip.package");
    }

    @Test
    void anOtherModuleIsRefusedByName() {
        assertThatThrownBy(() -> translate("linux.supervisord", obj("{'config': '/etc/s.conf', 'name': ['x']}")))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessageStartingWith("module linux.supervisord is not supported by the Salt executor; supported modules: linux.apt.package");
    }

    @Test
    void builtinMetaModulesNeverReachAnExecutor() {
        assertThatThrownBy(() -> translate("meta.comment", obj("{'comment': 'hi'}")))
                .hasMessage("meta.comment is handled by the round machine itself and must never reach an executor");
        assertThatThrownBy(() -> translate("meta.wait", obj("{'state': ['@{host.state.1}']}")))
                .hasMessageContaining("meta.wait is handled by the round machine");
    }

    @Test
    void aptModuleOnAYumHostIsAConflict() {
        SaltTranslator onCentos = new SaltTranslator(HostFacts.parse("ID=\"centos\"\nVERSION_ID=\"7\"\n"));
        assertThatThrownBy(() -> onCentos.translate(new RecipeState("s1", "linux.apt.package", obj("{'name': ['nginx']}"))))
                .hasMessage("linux.apt.package: conflict on os type: this host is centos 7, which does not use apt (debian/ubuntu) packages");
        assertThatThrownBy(() -> translate("linux.yum.package", obj("{'name': ['httpd']}")))
                .hasMessageContaining("this host is debian 12, which does not use yum");
    }

    @Test
    void anUnknownHostAllowsBothPackageModules() {
        SaltTranslator unknown = new SaltTranslator(HostFacts.unknown());
        assertThat(unknown.translate(new RecipeState("s1", "linux.yum.package", obj("{'name': ['httpd']}")))).hasSize(1);
        assertThat(unknown.translate(new RecipeState("s1", "linux.apt.package", obj("{'name': ['nginx']}")))).hasSize(1);
    }

    @Test
    void wrongParameterTypesNameTheParameter() {
        assertThatThrownBy(() -> translate("linux.file", obj("{'path': '/etc/x', 'mode': true}")))
                .hasMessageContaining("linux.file: parameter 'mode' must be an octal file mode");
        assertThatThrownBy(() -> translate("linux.file", obj("{'content': 'x'}")))
                .hasMessage("linux.file: missing required parameter 'path'");
        assertThatThrownBy(() -> translate("linux.file", obj("{'path': 'etc/x'}")))
                .hasMessage("linux.file: parameter 'path' must be an absolute path, got \"etc/x\"");
        assertThatThrownBy(() -> translate("linux.dir", obj("{'path': [true]}")))
                .hasMessage("linux.dir: parameter 'path[0]' must be a string, got boolean true");
        assertThatThrownBy(() -> translate("linux.cmd", obj("{'cmd': 'ls', 'timeout': 'soon'}")))
                .hasMessage("linux.cmd: parameter 'timeout' must be a whole number, got string \"soon\"");
        assertThatThrownBy(() -> translate("linux.user", obj("{'username': 'bob', 'password': 'x', 'uid': 'abc'}")))
                .hasMessage("linux.user: parameter 'uid' must be a whole number, got string \"abc\"");
        assertThatThrownBy(() -> translate("linux.user", obj("{'username': 'bob'}")))
                .hasMessage("linux.user: parameter 'password' is required");
        assertThatThrownBy(() -> translate("linux.apt.package", obj("{'name': 'nginx'}")))
                .hasMessageContaining("linux.apt.package: parameter 'name' must be a list of");
        assertThatThrownBy(() -> translate("linux.cronjob", obj("{'cmd': [], 'user': 'root'}")))
                .hasMessage("linux.cronjob: parameter 'cmd' must list at least one value");
    }

    @Test
    void userHomeDefaultsToTheSubstitutedHomeOfTheUser() {
        SaltState user = translate("linux.user", obj("{'username': 'carol', 'password': 'pw'}")).get(0);
        assertThat(user.args().get("home").getAsString()).isEqualTo("/home/carol");
        assertThat(user.args().get("hash_password").getAsBoolean()).isTrue();
        assertThat(user.args()).doesNotContainKeys("groups", "shell", "system");
    }

    @Test
    void cryptHashesAreSetAsTheyAre() {
        for (String hash : List.of("$1$saltsalt$abc", "$5$rounds=5000$salt$abc", "$6$salt$abc./", "$y$j9T$salt$abc", "$2b$10$abc")) {
            SaltState user = translate("linux.user", obj("{'username': 'carol'}"), hash).get(0);
            assertThat(user.args().get("password").getAsString()).isEqualTo(hash);
            assertThat(user.args()).doesNotContainKey("hash_password");
        }
    }

    @Test
    void stateIdsAreSanitizedForSalt() {
        List<SaltState> states = translator.translate(new RecipeState("web conf/ü", "linux.file", obj("{'path': '/x'}")));
        assertThat(states.get(0).id()).isEqualTo("vops_web_conf___main");
        assertThat(new SlsIds("").id("main")).isEqualTo("vops_state_main");
    }

    private List<SaltState> translate(String module, io.opsagent.fsm.protocol.StateParameters parameter) {
        return translator.translate(new RecipeState("s1", module, parameter));
    }

    private List<SaltState> translate(String module, io.opsagent.fsm.protocol.StateParameters parameter, String password) {
        java.util.Map<String, Object> withPassword = new java.util.LinkedHashMap<>();
        parameter.keys().forEach(k -> withPassword.put(k, parameter.string(k).orElse(null)));
        withPassword.put("password", password);
        return translate(module, io.opsagent.fsm.protocol.StateParameters.of(withPassword));
    }
}
