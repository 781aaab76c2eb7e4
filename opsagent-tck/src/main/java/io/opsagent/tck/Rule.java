package io.opsagent.tck;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules of SPEC.md, one constant each. Test methods carry the rule in their name
 * ({@code required_R2_3_...}) and every failure message starts with {@code [R2.3]}.
 */
public enum Rule {
  R1_1(Section.R1, Level.MUST, "only JSON object text frames with a string code"),
  R1_2(Section.R1, Level.MUST, "Handshake first on every connection, with the identity fields"),
  R1_3(Section.R1, Level.MUST, "AppNotReady: handshake again on the same connection after the pause"),
  R1_4(Section.R1, Level.SHOULD, "Test is answered with Test carrying the identity"),
  R1_5(Section.R1, Level.MAY, "TestAns may close the connection"),
  R1_6(Section.R1, Level.MAY, "WaitQuery carries identity and recipe version"),
  R1_7(Section.R1, Level.MUST, "WaitList releases every listed wait state"),
  R1_8(Section.R1, Level.MUST, "wss:// verifies certificates and host names"),
  R1_9(Section.R1, Level.SHOULD, "WebSocket pings detect a dead peer"),

  R2_1(Section.R2, Level.MUST, "states run one at a time, in recipe order"),
  R2_2(Section.R2, Level.MUST, "a failure in the first attempt restarts the round at once"),
  R2_3(Section.R2, Level.MUST, "a failure in the retry ceases the round into exponential backoff"),
  R2_4(Section.R2, Level.MUST, "meta.comment is never executed and reported as a success"),
  R2_5(Section.R2, Level.MUST, "meta.wait holds the round until released for the recipe version"),
  R2_6(Section.R2, Level.MUST, "a new recipe ceases the round at once and starts at state 0"),
  R2_7(Section.R2, Level.MUST, "an upgrade order waits for the round to finish"),
  R2_8(Section.R2, Level.MUST, "the next round starts after the round interval"),
  R2_9(Section.R2, Level.MUST, "a state that exceeds its timeout is killed and fails"),

  R3_1(Section.R3, Level.MUST, "exactly one StateLog per executed state, with all fields"),
  R3_2(Section.R3, Level.MUST, "StateLogs are sent in execution order"),
  R3_3(Section.R3, Level.MUST, "linux.cmd succeeds exactly when sh -c exits with 0"),
  R3_4(Section.R3, Level.SHOULD, "the command output is reported in state_stdout"),
  R3_5(Section.R3, Level.MUST, "a state of an unsupported module fails"),
  R3_6(Section.R3, Level.MUST, "seq increases with every new StateLog", true, true),

  R4_1(Section.R4, Level.MUST, "a lost connection is re-established, with a new Handshake"),
  R4_2(Section.R4, Level.MUST, "reconnect attempts back off exponentially with full jitter"),
  R4_3(Section.R4, Level.MUST, "rounds go on while disconnected"),
  R4_4(Section.R4, Level.MUST, "StateLogs queued offline follow the next Handshake, in order"),
  R4_5(Section.R4, Level.MUST, "unacknowledged StateLogs are resent after reconnect", true, true),

  R5_1(Section.R5, Level.MUST, "AgentUpdate starts an upgrade to the ordered version"),
  R5_2(Section.R5, Level.MUST, "an AgentUpdate without a version is dropped"),
  R5_3(Section.R5, Level.SHOULD, "a later order replaces a pending one"),
  R5_4(Section.R5, Level.MUST, "the release is verified, switched atomically, rolled back on failure"),

  R6_1(Section.R6, Level.MUST, "malformed frames are dropped; connection and state unchanged"),
  R6_2(Section.R6, Level.MUST, "a message with invalid fields is rejected whole"),
  R6_3(Section.R6, Level.MUST, "unknown fields are ignored"),
  R6_4(Section.R6, Level.SHOULD, "stateid is accepted as an alias of id");

  /** The parts of SPEC.md. */
  public enum Section {
    R1("transport and handshake", TransportConformanceTest.class),
    R2("round lifecycle", RoundConformanceTest.class),
    R3("results and reporting", ReportingConformanceTest.class),
    R4("reconnect and backoff", ReconnectConformanceTest.class),
    R5("upgrade", UpgradeConformanceTest.class),
    R6("bad input", BadInputConformanceTest.class);

    private final String title;
    private final Class<? extends ConformanceTestBase> conformanceTest;

    Section(String title, Class<? extends ConformanceTestBase> conformanceTest) {
      this.title = title;
      this.conformanceTest = conformanceTest;
    }

    public String title() {
      return title;
    }

    /**
     * The abstract class holding the tests of this section's rules; an implementation extends
     * the class of every section.
     */
    public Class<? extends ConformanceTestBase> conformanceTest() {
      return conformanceTest;
    }
  }

  /** RFC 2119 keyword of the rule. */
  public enum Level {
    MUST,
    SHOULD,
    MAY
  }

  private static final Pattern TEST_NAME =
      Pattern.compile("(required|optional|untested)_R(\\d+)_(\\d+)_\\w+");

  private final Section section;
  private final Level level;
  private final String summary;
  private final boolean testable;
  private final boolean extension;

  Rule(Section section, Level level, String summary) {
    this(section, level, summary, true, false);
  }

  Rule(Section section, Level level, String summary, boolean testable) {
    this(section, level, summary, testable, false);
  }

  Rule(Section section, Level level, String summary, boolean testable, boolean extension) {
    this.section = section;
    this.level = level;
    this.summary = summary;
    this.testable = testable;
    this.extension = extension;
  }

  /** The id as written in SPEC.md and failure messages, for example {@code R2.3}. */
  public String id() {
    return name().replace('_', '.');
  }

  /** The anchor of the rule in SPEC.md, for example {@code r2-3}. */
  public String anchor() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public Section section() {
    return section;
  }

  public Level level() {
    return level;
  }

  public String summary() {
    return summary;
  }

  /** False for rules the kit cannot check from outside; their tests are {@code untested_}. */
  public boolean testable() {
    return testable;
  }

  /**
   * True for rules of the optional protocol extension ({@code seq} and {@code StateLogAck}):
   * binding only on agents that send {@code seq}; their tests are {@code optional_}.
   */
  public boolean extension() {
    return extension;
  }

  /** The prefix every test of this rule carries: required_, optional_ or untested_. */
  public String testPrefix() {
    if (!testable) {
      return "untested_";
    }
    return level == Level.MUST && !extension ? "required_" : "optional_";
  }

  /**
   * The rule a test method name cites ({@code required_R2_3_failure...} → R2.3), or null when
   * the name does not follow the convention.
   */
  public static Rule ofTestName(String methodName) {
    Matcher matcher = TEST_NAME.matcher(methodName);
    if (!matcher.matches()) {
      return null;
    }
    String name = "R" + matcher.group(2) + "_" + matcher.group(3);
    for (Rule rule : values()) {
      if (rule.name().equals(name)) {
        return rule;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return id() + " " + summary;
  }
}
