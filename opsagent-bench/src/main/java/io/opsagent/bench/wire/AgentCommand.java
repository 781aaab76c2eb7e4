package io.opsagent.bench.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code --agent-command} of the bench: a command line split into words as a POSIX shell
 * would split it (blanks separate words; single quotes keep everything; double quotes keep
 * everything but {@code \"}, {@code \\}, {@code \$} and {@code \`}; a backslash outside quotes
 * keeps the next character), with the placeholders {@code {url}}, {@code {config}} and {@code
 * {root}} replaced in every word. Nothing else of the shell happens: no variables, no globs, no
 * pipes; run {@code sh -c '...'} for those.
 */
public final class AgentCommand {

  /** The backend's WebSocket URL. */
  public static final String URL = "url";
  /** The opsagent.conf the bench wrote for the backend. */
  public static final String CONFIG = "config";
  /** A fresh root folder with {@code etc/opsagent.token}. */
  public static final String ROOT = "root";

  static final Set<String> PLACEHOLDERS = Set.of(URL, CONFIG, ROOT);
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)\\}");

  private final String text;
  private final List<String> words;

  private AgentCommand(String text, List<String> words) {
    this.text = text;
    this.words = List.copyOf(words);
  }

  /**
   * Parses a command template.
   *
   * @throws IllegalArgumentException when it is empty, has an unclosed quote, names an unknown
   *     placeholder, or names neither {@code {url}} nor {@code {config}} (then the agent could
   *     not find the backend)
   */
  public static AgentCommand parse(String text) {
    Objects.requireNonNull(text, "text");
    List<String> words = split(text);
    if (words.isEmpty()) {
      throw new IllegalArgumentException("the agent command is empty");
    }
    boolean findsBackend = false;
    for (String word : words) {
      Matcher matcher = PLACEHOLDER.matcher(word);
      while (matcher.find()) {
        String name = matcher.group(1);
        if (!PLACEHOLDERS.contains(name)) {
          throw new IllegalArgumentException("unknown placeholder {" + name + "} in the agent"
              + " command; known are {url}, {config} and {root}");
        }
        findsBackend |= name.equals(URL) || name.equals(CONFIG);
      }
    }
    if (!findsBackend) {
      throw new IllegalArgumentException("the agent command names neither {url} nor {config}, so"
          + " the agent cannot find the backend: " + text);
    }
    return new AgentCommand(text, words);
  }

  /** The words before substitution. */
  public List<String> words() {
    return words;
  }

  /** Whether any word names the placeholder. */
  public boolean uses(String placeholder) {
    String needle = "{" + placeholder + "}";
    return words.stream().anyMatch(w -> w.contains(needle));
  }

  /**
   * The argument vector with every placeholder replaced.
   *
   * @param values a value for each of {@link #URL}, {@link #CONFIG} and {@link #ROOT} the command
   *     uses
   */
  public List<String> argv(Map<String, String> values) {
    List<String> argv = new ArrayList<>(words.size());
    for (String word : words) {
      Matcher matcher = PLACEHOLDER.matcher(word);
      StringBuilder out = new StringBuilder();
      while (matcher.find()) {
        String value = values.get(matcher.group(1));
        if (value == null) {
          throw new IllegalArgumentException("no value for {" + matcher.group(1) + "}");
        }
        matcher.appendReplacement(out, Matcher.quoteReplacement(value));
      }
      matcher.appendTail(out);
      argv.add(out.toString());
    }
    return argv;
  }

  /** Splits a command line into words as described in the class comment. */
  static List<String> split(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n') {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        i++;
      } else if (c == '\'') {
        int end = text.indexOf('\'', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed single quote in the agent command: " + text);
        }
        word.append(text, i + 1, end);
        inWord = true;
        i = end + 1;
      } else if (c == '"') {
        i++;
        while (true) {
          if (i >= text.length()) {
            throw new IllegalArgumentException(
                "unclosed double quote in the agent command: " + text);
          }
          char d = text.charAt(i);
          if (d == '"') {
            i++;
            break;
          }
          if (d == '\\' && i + 1 < text.length() && "\"\\$`".indexOf(text.charAt(i + 1)) >= 0) {
            word.append(text.charAt(i + 1));
            i += 2;
          } else {
            word.append(d);
            i++;
          }
        }
        inWord = true;
      } else if (c == '\\') {
        if (i + 1 >= text.length()) {
          throw new IllegalArgumentException("the agent command ends with a backslash: " + text);
        }
        word.append(text.charAt(i + 1));
        inWord = true;
        i += 2;
      } else {
        word.append(c);
        inWord = true;
        i++;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  @Override
  public String toString() {
    return text;
  }
}
