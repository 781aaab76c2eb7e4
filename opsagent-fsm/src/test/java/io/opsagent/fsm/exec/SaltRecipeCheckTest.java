package io.opsagent.fsm.exec;

import static io.opsagent.fsm.testutil.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentHarness;
import io.opsagent.fsm.RecipeCheck;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.salt.HostFacts;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Salt executor checks a recipe up front by translating it, without running Salt. */
@Timeout(60)
class SaltRecipeCheckTest {

    private static final RecipeState GOOD = new RecipeState("good", "linux.cmd", obj("{'cmd': 'true'}"));
    private static final RecipeState SOON = new RecipeState("soon", "linux.cmd", obj("{'cmd': 'true', 'timeout': 'soon'}"));
    private static final RecipeState NO_PATH = new RecipeState("no-path", "linux.file", obj("{'content': 'hi'}"));

    @TempDir
    Path tmp;

    private SaltCallExecutor executor(FakeSaltCall fake, HostFacts host) {
        return new SaltCallExecutor(fake.script(), null, tmp.resolve("work"), host, ProcessLauncher.standard());
    }

    @Test
    void checkReportsAMistypedAndAMissingParameterWithoutRunningSalt() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success");
        SaltCallExecutor executor = executor(fake, HostFacts.unknown());

        assertThat(executor.check(GOOD)).isEmpty();
        assertThat(executor.check(SOON)).singleElement().asString()
                .startsWith("linux.cmd: parameter 'timeout'").contains("\"soon\"");
        assertThat(executor.check(NO_PATH)).singleElement().asString().contains("'path'");

        assertThat(fake.log()).as("salt-call never ran").isEmpty();
        assertThat(tmp.resolve("work")).as("no file root was written").doesNotExist();
    }

    @Test
    void anUnsupportedModuleIsNoProblemOfAPushedRecipeButIsNamedForALocalCommand() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success");
        RecipeState docker = new RecipeState("d", "linux.docker.running", obj("{}"));

        // A pushed recipe runs it and reports the state failed, with its StateLog (SPEC R3.5).
        assertThat(executor(fake, HostFacts.unknown()).check(docker)).isEmpty();
        assertThat(SaltCallExecutor.unsupported(docker)).hasValueSatisfying(m -> assertThat(m)
                .startsWith("module linux.docker.running is not supported by the Salt executor; supported modules: ")
                .contains("linux.apt.package", "common.pip.package"));
        assertThat(SaltCallExecutor.unsupported(GOOD)).isEmpty();
        assertThat(SaltCallExecutor.unsupported(AgentHarness.waitFor("w"))).isEmpty();
        assertThat(SaltCallExecutor.unsupported(AgentHarness.comment("c"))).isEmpty();
    }

    @Test
    void theHostsPackageFamilyIsNoProblemOfTheRecipe() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success");
        SaltCallExecutor onDebian = executor(fake, HostFacts.parse("ID=debian\nVERSION_ID=\"12\"\n"));

        assertThat(onDebian.check(new RecipeState("p", "linux.yum.package", obj("{'name': {'httpd': ''}}")))).isEmpty();
        assertThat(onDebian.check(new RecipeState("p", "linux.yum.package", obj("{'name': 'httpd'}"))))
                .as("a parameter problem is still one").hasSize(1);
    }

    @Test
    void aPushedSaltRecipeWithABadParameterIsRefusedAsAWholeAndNothingOfItRuns() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success");
        List<String> refused = new ArrayList<>();
        AgentHarness h = new AgentHarness(b -> b
                .executor(executor(fake, HostFacts.unknown()))
                .listener(new RoundListener() {
                    @Override
                    public void recipeRejected(long version, List<RecipeCheck.Problem> problems) {
                        problems.forEach(p -> refused.add(version + " " + p));
                    }
                }));

        h.receive(RecipeMetadata.of(3, List.of(GOOD, SOON, NO_PATH)));

        assertThat(refused).hasSize(2);
        assertThat(refused.get(0)).startsWith("3 state 2 (soon, linux.cmd): linux.cmd: parameter 'timeout'");
        assertThat(refused.get(1)).startsWith("3 state 3 (no-path, linux.file): ");
        assertThat(h.agent.snapshot().recipeVersion()).as("the recipe was not loaded").isNotEqualTo(3);
        assertThat(h.logs()).as("no StateLog").isEmpty();
        assertThat(fake.log()).as("salt-call never ran").isEmpty();
        assertThat(Files.exists(tmp.resolve("work"))).isFalse();
    }
}
