package io.opsagent.bench.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentCommandTest {

  private static final Map<String, String> VALUES = Map.of(
      "url", "ws://127.0.0.1:4321/agent/",
      "config", "/tmp/b 1/opsagent.conf",
      "root", "/tmp/b 1/root");

  @Test
  void wordsAreSplitAtBlanksAndPlaceholdersReplacedInEachWord() {
    AgentCommand command = AgentCommand.parse(
        "java -jar opsagent.jar run  --config {config}\t--root={root}");
    assertThat(command.argv(VALUES)).containsExactly("java", "-jar", "opsagent.jar", "run",
        "--config", "/tmp/b 1/opsagent.conf", "--root=/tmp/b 1/root");
  }

  @Test
  void quotesAndBackslashesWorkAsInAShell() {
    assertThat(AgentCommand.split("sh -c 'echo $PPID \"x\"' \"a \\\"b\\\" \\$c\" d\\ e ''"))
        .containsExactly("sh", "-c", "echo $PPID \"x\"", "a \"b\" $c", "d e", "");
    assertThat(AgentCommand.split("\"a\\nb\"")).containsExactly("a\\nb");
  }

  @Test
  void severalPlaceholdersInOneWordAndValuesWithSpecialCharacters() {
    AgentCommand command = AgentCommand.parse("agent --url={url}#{root}");
    assertThat(command.argv(Map.of("url", "ws://h/$1\\x", "root", "/r")))
        .containsExactly("agent", "--url=ws://h/$1\\x#/r");
    assertThat(command.uses(AgentCommand.URL)).isTrue();
    assertThat(command.uses(AgentCommand.CONFIG)).isFalse();
  }

  @Test
  void bracesThatAreNoPlaceholderStayAsTheyAre() {
    assertThat(AgentCommand.parse("agent {url} {} {A}").argv(VALUES))
        .containsExactly("agent", "ws://127.0.0.1:4321/agent/", "{}", "{A}");
  }

  @Test
  void unknownPlaceholdersAreRejectedByName() {
    assertThatThrownBy(() -> AgentCommand.parse("agent --config {conf}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown placeholder {conf}");
  }

  @Test
  void aCommandThatCannotFindTheBackendIsRejected() {
    assertThatThrownBy(() -> AgentCommand.parse("agent --root {root}"))
        .hasMessageContaining("names neither {url} nor {config}");
  }

  @Test
  void emptyCommandsAndUnclosedQuotesAreRejected() {
    assertThatThrownBy(() -> AgentCommand.parse("  ")).hasMessage("the agent command is empty");
    assertThatThrownBy(() -> AgentCommand.parse("agent '{url}"))
        .hasMessageContaining("unclosed single quote");
    assertThatThrownBy(() -> AgentCommand.parse("agent \"{url}"))
        .hasMessageContaining("unclosed double quote");
    assertThatThrownBy(() -> AgentCommand.parse("agent {url} \\"))
        .hasMessageContaining("ends with a backslash");
  }
}
