package io.opsagent.tck.selftest;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.tck.ConformanceTestBase;
import io.opsagent.tck.Rule;
import io.opsagent.backend.MessageCodes;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SPEC.md, the {@link Rule} catalogue and the conformance test methods must agree. */
class SpecConsistencyTest {

  private static String spec;

  @BeforeAll
  static void readSpec() throws IOException {
    Path file = Path.of("SPEC.md");
    if (Files.exists(file)) {
      spec = Files.readString(file, StandardCharsets.UTF_8);
    } else {
      try (var in = SpecConsistencyTest.class.getResourceAsStream("/META-INF/opsagent-tck/SPEC.md")) {
        spec = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
  }

  private static List<Method> conformanceTests() {
    List<Method> tests = new ArrayList<>();
    for (Rule.Section section : Rule.Section.values()) {
      for (Method method : section.conformanceTest().getDeclaredMethods()) {
        if (method.isAnnotationPresent(org.junit.jupiter.api.Test.class)) {
          tests.add(method);
        }
      }
    }
    return tests;
  }

  @Test
  void everyTestIsInTheClassOfItsRulesSection() {
    for (Method test : conformanceTests()) {
      Rule rule = Rule.ofTestName(test.getName());
      assertThat(test.getDeclaringClass()).as("class of %s", test.getName())
          .isEqualTo(rule.section().conformanceTest());
    }
  }

  @Test
  void theSharedBaseHoldsNoTest() {
    for (Method method : ConformanceTestBase.class.getDeclaredMethods()) {
      assertThat(method.isAnnotationPresent(org.junit.jupiter.api.Test.class))
          .as("@Test on ConformanceTestBase.%s", method.getName()).isFalse();
    }
  }

  @Test
  void everyRuleHasAnAnchoredSectionWithItsKeyword() {
    for (Rule rule : Rule.values()) {
      String anchor = "<a id=\"" + rule.anchor() + "\"></a>\n### " + rule.id() + " ";
      assertThat(spec).as("SPEC.md section of %s", rule.id()).contains(anchor);
      int start = spec.indexOf(anchor);
      int end = spec.indexOf("<a id=", start + anchor.length());
      String section = spec.substring(start, end < 0 ? spec.length() : end);
      String sentence = section.substring(section.indexOf("\n\n") + 2, section.indexOf("\n\n- "));
      assertThat(sentence)
          .as("the rule sentence of %s carries its keyword", rule.id())
          .contains(rule.level().name());
      String kit = section.substring(section.indexOf("- Kit: "));
      String expectedKind =
          !rule.testable() ? "not verified" : rule.testPrefix().equals("required_") ? "required"
              : "optional";
      assertThat(kit).as("how the kit checks %s", rule.id()).startsWith("- Kit: " + expectedKind);
    }
  }

  @Test
  void everyAnchorInSpecIsARule() {
    Matcher matcher = Pattern.compile("<a id=\"(r\\d+-\\d+)\"></a>").matcher(spec);
    List<String> anchors = new ArrayList<>();
    while (matcher.find()) {
      anchors.add(matcher.group(1));
    }
    List<String> known = new ArrayList<>();
    for (Rule rule : Rule.values()) {
      known.add(rule.anchor());
    }
    assertThat(anchors).containsExactlyElementsOf(known);
  }

  @Test
  void everyTestCitesAKnownRuleWithTheMatchingPrefixAndIsNamedInSpec() {
    for (Method test : conformanceTests()) {
      Rule rule = Rule.ofTestName(test.getName());
      assertThat(rule).as("rule cited by %s", test.getName()).isNotNull();
      assertThat(test.getName())
          .as("prefix of %s (%s, %s)", test.getName(), rule.level(),
              rule.testable() ? "testable" : "not testable")
          .startsWith(rule.testPrefix());
      int section = spec.indexOf("<a id=\"" + rule.anchor() + "\"></a>");
      int next = spec.indexOf("<a id=", section + 1);
      assertThat(spec.substring(section, next < 0 ? spec.length() : next))
          .as("SPEC.md section %s names its test", rule.id())
          .contains("`" + test.getName() + "`");
    }
  }

  @Test
  void everyRuleHasATest() {
    Set<Rule> covered = EnumSet.noneOf(Rule.class);
    for (Method test : conformanceTests()) {
      covered.add(Rule.ofTestName(test.getName()));
    }
    assertThat(EnumSet.complementOf(EnumSet.copyOf(covered))).as("rules without a test").isEmpty();
  }

  @Test
  void specDescribesEveryMessageCode() throws IllegalAccessException {
    for (Field field : MessageCodes.class.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        String code = (String) field.get(null);
        assertThat(spec).as("the Messages table lists %s", code).contains("| `" + code + "` |");
      }
    }
  }

  @Test
  void theSpecIsPackagedInTheKit() {
    assertThat(ConformanceTestBase.class.getResource("/META-INF/opsagent-tck/SPEC.md"))
        .as("SPEC.md inside the kit's jar")
        .isNotNull();
  }
}
