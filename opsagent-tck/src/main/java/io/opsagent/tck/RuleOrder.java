package io.opsagent.tck;

import java.util.Comparator;
import org.junit.jupiter.api.MethodDescriptor;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.MethodOrdererContext;

/** Runs conformance tests in rule order (R1.1, R1.2, ..., R6.4), then by name. */
final class RuleOrder implements MethodOrderer {

  @Override
  public void orderMethods(MethodOrdererContext context) {
    context.getMethodDescriptors().sort(
        Comparator.comparingInt(RuleOrder::ruleIndex)
            .thenComparing(descriptor -> descriptor.getMethod().getName()));
  }

  private static int ruleIndex(MethodDescriptor descriptor) {
    Rule rule = Rule.ofTestName(descriptor.getMethod().getName());
    return rule == null ? Integer.MAX_VALUE : rule.ordinal();
  }
}
