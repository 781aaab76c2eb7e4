package io.opsagent.fsm.internal.exec.salt;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The parser against Salt's recorded output (see {@code src/test/resources/salt-fixtures}). */
class SaltResultParserTest {

    @Test
    void aTracebackInACommentIsReportedByItsLastLine() {
        String stdout = "{\"local\": {\"file_|-vops_s1_main_|-/srv/x_|-directory\": {\"result\": false, \"changes\": {},"
                + " \"comment\": \"An exception occurred in this state: Traceback (most recent call last):\\n"
                + "  File \\\"/usr/lib/python3/dist-packages/salt/state.py\\\", line 2428, in call\\n"
                + "    ret = self.states[cdata[\\\"full\\\"]](\\n"
                + "PermissionError: [Errno 1] Operation not permitted: '/srv/x'\\n\", \"__run_num__\": 0}}}";

        StateResult r = SaltResultParser.parse(stdout, "", 2, false);

        assertThat(r).isEqualTo(StateResult.failed(
                "An exception occurred in this state: PermissionError: [Errno 1] Operation not permitted: '/srv/x'", null));
    }

    @Test
    void changesAreNamedAfterTheCommentWithAContentDiffSummary() {
        String stdout = "{\"local\": {\"file_|-vops_s1_main_|-/etc/app.conf_|-managed\": {\"result\": true,"
                + " \"comment\": \"File /etc/app.conf updated\", \"__run_num__\": 0, \"changes\": {"
                + "\"diff\": \"--- \\n+++ \\n@@ -1,2 +1,3 @@\\n a\\n--- old\\n+c\\n+d\\n\", \"mode\": \"0644\", \"user\": \"www-data\"}}}}";

        StateResult r = SaltResultParser.parse(stdout, "", 0, false);

        assertThat(r).isEqualTo(StateResult.changed(
                "File /etc/app.conf updated\nChanges: content (+2 -1 lines), mode 0644, owner www-data", null));
    }

    @Test
    void allTrueIsASuccessThatChanged() {
        StateResult r = parse("17a-recommended-success", false);
        assertThat(r.success()).isTrue();
        assertThat(r.changed()).isTrue();
        assertThat(r.comment()).isEqualTo("Changes: /tmp/fx/www: directory new\nFile /tmp/fx/www/index.html updated\nChanges: new file, mode 0640\nCommand \"ls /tmp/fx/www\" run");
        assertThat(r.stdout()).isEqualTo("index.html");
    }

    @Test
    void emptyChangesMeanNothingChanged() {
        StateResult r = parse("02-file-managed-unchanged", false);
        assertThat(r).isEqualTo(new StateResult(true, false, "File /tmp/fx/a.txt is in the correct state", null));
    }

    @Test
    void nullInADryRunIsWouldChange() {
        StateResult r = parse("17c-recommended-test-mode", true);
        assertThat(r.success()).isTrue();
        assertThat(r.changed()).isTrue();
        assertThat(r.comment()).startsWith("The following files will be changed:\n/tmp/fx/www: directory - new")
                .contains("The file /tmp/fx/www/index.html is set to be changed")
                .contains("Changes: new file\n")
                .endsWith("Command \"ls /tmp/fx/www\" would have been executed");
    }

    @Test
    void nullOutsideADryRunIsAFailure() {
        StateResult r = parse("17c-recommended-test-mode", false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).contains("Salt gave no result for file_|-vops_1_dir_|-/tmp/fx/www_|-directory although this was not a dry run");
    }

    @Test
    void aTrueResultInADryRunWithoutChangesIsUnchanged() {
        StateResult r = parse("15-pkg-installed-test-present", true);
        assertThat(r.success()).isTrue();
        assertThat(r.changed()).isFalse();
    }

    @Test
    void aFailingCommandFailsWithItsOutput() {
        StateResult r = parse("08-cmd-run-fail.passthrough", false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).isEqualTo("Command \"echo out; echo err >&2; exit 3\" run");
        assertThat(r.stdout()).isEqualTo("out\nerr");
    }

    @Test
    void aFailedRequisiteFailsTheStateAndKeepsRunOrder() {
        StateResult r = parse("17b-recommended-failure", false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).isEqualTo("Changes: /tmp/fx/www: directory new\n"
                + "Command \"echo 'pre out'; echo 'pre err' >&2; exit 3\" run\n"
                + "One or more requisite failed: vops.vops_1_pre");
        assertThat(r.stdout()).isEqualTo("pre out\npre err");
        assertThat(parse("12-sls-require-fails.passthrough", false).comment()).endsWith("One or more requisite failed: vops.step2_fails");
    }

    @Test
    void listShapedResultsFailWithSaltsMessages() {
        assertThat(parse("17d-recommended-render-error", false))
                .satisfies(r -> assertThat(r.success()).isFalse())
                .satisfies(r -> assertThat(r.comment()).startsWith("Rendering SLS vops failed, render error: Expecting value: line 2 column 61"));
        assertThat(parse("13-sls-jinja-error", false).comment()).startsWith("Rendering SLS 'base:vops' failed: Jinja syntax error");
        assertThat(parse("11-unknown-state-function", false).comment()).isEqualTo("Specified state 'file.nosuchfun' was not found");
        assertThat(parse("20-sls-not-found", false).comment()).isEqualTo("No matching sls found for 'nosuch' in env 'base'");
        assertThat(parse("19-concurrent-run-refused", false))
                .satisfies(r -> assertThat(r.success()).isFalse())
                .satisfies(r -> assertThat(r.comment()).startsWith("The function \"state.single\" is running as PID 6404"));
    }

    @Test
    void anUnknownFunctionInsideAnSlsIsAFailedEntry() {
        StateResult r = parse("21-sls-unknown-state-function.passthrough", false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).startsWith("State 'file.nosuchfun' was not found in SLS 'vops'");
    }

    @Test
    void aCommandTimeoutInsideSaltIsAFailure() {
        StateResult r = parse("10-cmd-run-timeout.passthrough", false);
        assertThat(r.success()).isFalse();
        assertThat(r.stdout()).isEqualTo("sleep 5 : Timed out after 1 seconds");
    }

    @Test
    void aCrashWithoutJsonQuotesTheEndOfStderr() {
        StateResult r = parse("17f-trap-state-high-no-sls-keys", false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).startsWith("salt-call exited with code 1 and printed no result; stderr ends with:\n")
                .endsWith("KeyError: '__sls__'");
        assertThat(r.stdout()).contains("Traceback");
    }

    @Test
    void nonAsciiOutputComesThroughIntact() {
        StateResult r = parse("18-non-ascii-output", false);
        assertThat(r.success()).isTrue();
        assertThat(r.comment()).isEqualTo("Command \"echo 'héllo ✓'\" run");
        assertThat(r.stdout()).isEqualTo("héllo ✓");
    }

    @Test
    void onlyifFalseIsAnUnchangedSuccess() {
        StateResult r = parse("09-cmd-run-onlyif-false", false);
        assertThat(r).isEqualTo(new StateResult(true, false, "onlyif condition is false", null));
    }

    @Test
    void statefulCommandCommentsAreReported() {
        StateResult r = parse("14-sls-all-ok-stateful", false);
        assertThat(r.success()).isTrue();
        assertThat(r.comment()).endsWith("app configured\nChanges: changed yes, port 8080");
    }

    @Test
    void oddShapesAreFailuresWithNumbers() {
        assertThat(SaltResultParser.parse("", "", 0, false).comment()).isEqualTo("salt-call exited with code 0 and printed no result");
        assertThat(SaltResultParser.parse("not json", "", 1, false).comment())
                .isEqualTo("salt-call exited with code 1 and printed output that is not JSON");
        assertThat(SaltResultParser.parse("{\"other\": 1}", "", 0, false).comment())
                .isEqualTo("salt-call exited with code 0 and printed JSON without a \"local\" result");
        assertThat(SaltResultParser.parse("{\"local\": {}}", "", 0, false).comment()).isEqualTo("Salt ran no states (empty result, exit code 0)");
        assertThat(SaltResultParser.parse("{\"local\": true}", "", 0, false).success()).isFalse();
        StateResult exitMismatch = SaltResultParser.parse(
                "{\"local\": {\"a\": {\"result\": true, \"comment\": \"ok\", \"changes\": {}, \"__run_num__\": 0}}}", "", 2, false);
        assertThat(exitMismatch.success()).isFalse();
        assertThat(exitMismatch.comment()).isEqualTo("ok\nsalt-call exited with code 2 although every state succeeded");
    }

    @Test
    void noiseBeforeTheJsonIsSkipped() {
        String stdout = "some module printed this\n{\"local\": {\"a\": {\"result\": true, \"comment\": \"fine\", \"changes\": {}}}}";
        assertThat(SaltResultParser.parse(stdout, "", 0, false)).isEqualTo(new StateResult(true, false, "fine", null));
    }

    private static StateResult parse(String fixture, boolean dryRun) {
        return SaltResultParser.parse(read(fixture, "stdout.txt"), read(fixture, "stderr.txt"),
                Integer.parseInt(read(fixture, "exit_code").trim()), dryRun);
    }

    static String read(String fixture, String file) {
        try (InputStream in = SaltResultParserTest.class.getResourceAsStream("/salt-fixtures/" + fixture + "/" + file)) {
            if (in == null) {
                throw new AssertionError("missing fixture file " + fixture + "/" + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
