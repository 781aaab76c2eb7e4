package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.protocol.InvalidParameterException;
import io.opsagent.fsm.internal.exec.Params;
import io.opsagent.fsm.protocol.RecipeState;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Translates one VisualOps state into the Salt states of its SLS file. Knows which modules the
 * Salt executor supports; anything else is refused with a message that names the module.
 * Immutable and thread-safe.
 */
public final class SaltTranslator {

    private static final Map<String, ModuleTranslator> MODULES = modules();

    private final HostFacts host;

    public SaltTranslator(HostFacts host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    /** The modules this translator supports, in documentation order. */
    public static Set<String> supportedModules() {
        return MODULES.keySet();
    }

    /**
     * The Salt states for {@code state}, helpers first.
     *
     * @throws InvalidParameterException when the module is not supported or its parameters are invalid
     */
    public List<SaltState> translate(RecipeState state) {
        return translate(state, false);
    }

    /**
     * The Salt states for {@code state}, helpers first; {@code watchFired} when a file the state
     * watches changed (only {@code linux.service} acts on it).
     *
     * @throws InvalidParameterException when the module is not supported or its parameters are invalid
     */
    public List<SaltState> translate(RecipeState state, boolean watchFired) {
        if (state.isComment() || state.isWait()) {
            throw new InvalidParameterException(state.module()
                    + " is handled by the round machine itself and must never reach an executor");
        }
        ModuleTranslator translator = MODULES.get(state.module());
        if (translator == null) {
            throw new InvalidParameterException("module " + state.module()
                    + " is not supported by the Salt executor; supported modules: " + String.join(", ", MODULES.keySet()));
        }
        Set<String> verbatim = state.module().equals("linux.user") ? UserTranslator.VERBATIM : Set.of();
        Params params = Params.of(state, verbatim);
        SlsIds ids = new SlsIds(state.id());
        return watchFired ? translator.translateWatched(params, ids, host) : translator.translate(params, ids, host);
    }

    private static Map<String, ModuleTranslator> modules() {
        Map<String, ModuleTranslator> m = new LinkedHashMap<>();
        m.put("linux.apt.package", new PackageTranslator(HostFacts.PackageFamily.APT));
        m.put("linux.yum.package", new PackageTranslator(HostFacts.PackageFamily.YUM));
        m.put("linux.file", new FileTranslator());
        m.put("linux.dir", new DirTranslator());
        m.put("linux.symlink", new SymlinkTranslator());
        m.put("linux.cmd", new CmdTranslator());
        m.put("linux.service", new ServiceTranslator());
        m.put("linux.user", new UserTranslator());
        m.put("linux.group", new GroupTranslator());
        m.put("linux.cronjob", new CronTranslator());
        m.put("common.git", new GitTranslator());
        m.put("common.pip.package", new PipTranslator());
        return Collections.unmodifiableMap(m);
    }
}
