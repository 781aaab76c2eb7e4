package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.util.List;

/**
 * Translates the parameters of one VisualOps module into Salt states: helper states first, the
 * main state(s) last, each main state requiring the helpers.
 */
interface ModuleTranslator {

    /**
     * @throws io.opsagent.fsm.protocol.InvalidParameterException when the parameters are
     *     missing, of the wrong type or invalid, or the module does not fit this host
     */
    List<SaltState> translate(Params params, SlsIds ids, HostFacts host);

    /**
     * The states when the state's {@code watch} fired (a watched file changed); the same as
     * {@link #translate(Params, SlsIds, HostFacts)} for modules without a watch.
     */
    default List<SaltState> translateWatched(Params params, SlsIds ids, HostFacts host) {
        return translate(params, ids, host);
    }
}
