package io.opsagent.fsm.internal.exec;

import io.opsagent.fsm.protocol.InvalidParameterException;
import static io.opsagent.fsm.testutil.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParamsTest {

    @Test
    void missingRequiredParameterIsNamed() {
        Params p = Params.of("linux.file", obj("{}"));
        assertThatThrownBy(() -> p.requiredString("path"))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessage("linux.file: missing required parameter 'path'");
    }

    @Test
    void nullAndEmptyStringMeanNotGiven() {
        Params p = Params.of("linux.file", obj("{'user': null, 'group': ''}"));
        assertThat(p.string("user")).isEmpty();
        assertThat(p.string("group", "root")).isEqualTo("root");
        assertThat(p.has("group")).isFalse();
    }

    @Test
    void textAcceptsNumbersButNotBooleansOrLists() {
        Params p = Params.of("linux.cmd", obj("{'timeout': 30, 'cmd': true, 'shell': ['a']}"));
        assertThat(p.string("timeout")).contains("30");
        assertThatThrownBy(() -> p.requiredString("cmd")).hasMessage("linux.cmd: parameter 'cmd' must be a string, got boolean true");
        assertThatThrownBy(() -> p.string("shell")).hasMessage("linux.cmd: parameter 'shell' must be a string, got a list of 1");
    }

    @Test
    void modeAcceptsOctalStringsAndNumbers() {
        assertThat(Params.of("m", obj("{'mode': '0640'}")).mode("mode", "0644").bits()).isEqualTo(0640);
        assertThat(Params.of("m", obj("{'mode': '755'}")).mode("mode", "0644").bits()).isEqualTo(0755);
        assertThat(Params.of("m", obj("{'mode': 2775}")).mode("mode", "0644").octal()).isEqualTo("2775");
        assertThat(Params.of("m", obj("{}")).mode("mode", "0644").octal()).isEqualTo("0644");
    }

    @Test
    void modeRejectsWrongTypesAndNonOctalDigits() {
        assertThatThrownBy(() -> Params.of("linux.file", obj("{'mode': true}")).mode("mode", "0644"))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessage("linux.file: parameter 'mode' must be an octal file mode such as \"0644\" (a string or a number), got boolean true");
        assertThatThrownBy(() -> Params.of("linux.file", obj("{'mode': '0899'}")).mode("mode", "0644"))
                .hasMessageContaining("parameter 'mode'").hasMessageContaining("\"0899\"");
        assertThatThrownBy(() -> Params.of("linux.file", obj("{'mode': {}}")).mode("mode", "0644"))
                .hasMessageContaining("got an object");
    }

    @Test
    void booleansAcceptJsonBooleansAndTheirText() {
        Params p = Params.of("m", obj("{'a': true, 'b': 'False', 'c': 'yes'}"));
        assertThat(p.bool("a", false)).isTrue();
        assertThat(p.bool("b", true)).isFalse();
        assertThat(p.bool("missing", true)).isTrue();
        assertThatThrownBy(() -> p.bool("c", false)).hasMessage("m: parameter 'c' must be a boolean (true or false), got string \"yes\"");
    }

    @Test
    void integersMustBeWhole() {
        Params p = Params.of("m", obj("{'a': '42', 'b': 7, 'c': '1.5', 'd': 'x', 'e': 0}"));
        assertThat(p.integer("a")).contains(42L);
        assertThat(p.integer("b")).contains(7L);
        assertThatThrownBy(() -> p.integer("c")).hasMessage("m: parameter 'c' must be a whole number, got string \"1.5\"");
        assertThatThrownBy(() -> p.integer("d")).hasMessageContaining("must be a whole number");
        assertThatThrownBy(() -> p.positiveInteger("e", 600)).hasMessage("m: parameter 'e' must be at least 1, got 0");
        assertThat(p.positiveInteger("missing", 600)).isEqualTo(600);
    }

    @Test
    void listsAcceptArraysAndSingleStrings() {
        Params p = Params.of("linux.dir", obj("{'path': ['/a', '', '/b'], 'one': '/c', 'bad': [1, {}]}"));
        assertThat(p.stringList("path")).containsExactly("/a", "/b");
        assertThat(p.stringList("one")).containsExactly("/c");
        assertThat(p.stringList("missing")).isEmpty();
        assertThatThrownBy(() -> p.stringList("bad")).hasMessage("linux.dir: parameter 'bad[1]' must be a string, got an object");
    }

    @Test
    void pathsMustBeAbsolute() {
        Params p = Params.of("linux.dir", obj("{'path': ['/a', 'relative']}"));
        assertThatThrownBy(() -> p.requiredAbsolutePaths("path"))
                .hasMessage("linux.dir: parameter 'path' must be an absolute path, got \"relative\"");
    }

    @Test
    void keyValuesAcceptTheWireListPlainListsAndObjects() {
        Params wire = Params.of("m", obj("{'name': [{'key': 'nginx', 'value': ''}, {'key': 'curl', 'value': '7.88'}, {'key': 'vim'}, {'key': '', 'value': 'x'}]}"));
        assertThat(wire.keyValues("name")).containsExactly(
                new KeyValue("nginx", ""), new KeyValue("curl", "7.88"), new KeyValue("vim", ""));
        assertThat(Params.of("m", obj("{'name': ['a', 'b']}")).keyValues("name"))
                .containsExactly(new KeyValue("a", ""), new KeyValue("b", ""));
        assertThat(Params.of("m", obj("{'name': {'a': '1'}}")).keyValues("name")).containsExactly(new KeyValue("a", "1"));
        assertThatThrownBy(() -> Params.of("m", obj("{'name': 'nginx'}")).keyValues("name"))
                .hasMessage("m: parameter 'name' must be a list of {\"key\": ..., \"value\": ...} objects, got string \"nginx\"");
        assertThatThrownBy(() -> Params.of("m", obj("{'name': []}")).requiredKeyValues("name"))
                .hasMessage("m: parameter 'name' must list at least one entry");
    }

    @Test
    void textValuesAndDefaultsAreSubstitutedWithTheOriginalParameters() {
        Params p = Params.of("linux.user", obj("{'username': 'bob', 'fullname': '$username the builder', 'uid': 1001, 'password': 'p$username'}"),
                Set.of("password"));
        assertThat(p.string("home", "/home/$username")).isEqualTo("/home/bob");
        assertThat(p.string("fullname")).contains("bob the builder");
        assertThat(p.string("x", "uid=$uid")).isEqualTo("uid=1001");
        assertThat(p.string("password")).contains("p$username");
    }

    @Test
    void keyValueValuesAreSubstitutedButNotKeys() {
        Params p = Params.of("linux.cmd", obj("{'cwd': '/srv', 'env': [{'key': '$cwd', 'value': '$cwd/bin'}]}"));
        assertThat(p.keyValues("env")).isEqualTo(List.of(new KeyValue("$cwd", "/srv/bin")));
    }
}
