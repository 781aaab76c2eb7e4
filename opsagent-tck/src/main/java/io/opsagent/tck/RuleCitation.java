package io.opsagent.tck;

import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * Makes every failure of a conformance test cite its rule: the message starts with the rule id
 * taken from the test method's name ({@code [R2.3] ...}) and ends with the backend's recent
 * transcript. Aborted (skipped) tests pass through unchanged.
 */
final class RuleCitation
    implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    throw cite(context, failure);
  }

  @Override
  public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    throw cite(context, failure);
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    throw cite(context, failure);
  }

  private static Throwable cite(ExtensionContext context, Throwable failure) {
    if (failure instanceof TestAbortedException) {
      return failure;
    }
    Rule rule = context.getTestMethod().map(Method::getName).map(Rule::ofTestName).orElse(null);
    if (rule == null) {
      return failure;
    }
    String prefix = "[" + rule.id() + "] ";
    String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
    if (message.startsWith(prefix)) {
      return failure;
    }
    String diagnostics = "";
    Object instance = context.getTestInstance().orElse(null);
    if (instance instanceof ConformanceTestBase) {
      diagnostics = ((ConformanceTestBase) instance).diagnostics();
    }
    return new AssertionError(
        prefix + message + "\n(see SPEC.md#" + rule.anchor() + ")" + diagnostics, failure);
  }
}
