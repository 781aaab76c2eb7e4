package io.opsagent.fsm.internal.exec.builtin;

import io.opsagent.fsm.internal.exec.Execution;
import io.opsagent.fsm.internal.exec.Params;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;

/**
 * One module applied in Java. Implementations are idempotent (a second run reports no change)
 * and, in a dry run, change nothing and report what would change.
 */
interface BuiltinModule {

    /**
     * @throws io.opsagent.fsm.protocol.InvalidParameterException for invalid parameters
     * @throws IOException when the host refuses a change; reported as a failure
     */
    StateResult apply(Params params, boolean dryRun, Execution execution) throws IOException;
}
