package io.opsagent.fsm.exec;

import java.nio.file.Path;

/**
 * How {@link SaltCallExecutor} runs Salt: through its resident worker (Salt loaded once, one
 * state per request) or with one {@code salt-call} per state.
 *
 * @param enabled whether the resident worker is used; off means {@code salt-call} per state
 * @param python the interpreter that runs the worker, or null for the one {@code salt-call}
 *     itself uses (its {@code pythonexecutable} and {@code pythonpath} grains)
 * @param maxStates states after which the worker is replaced by a fresh one
 * @param maxRssMb resident memory, in MiB, above which the worker is replaced after a state
 */
public record SaltWorkerSettings(boolean enabled, Path python, int maxStates, int maxRssMb) {

    /** States a worker applies before it is replaced: {@value}. */
    public static final int DEFAULT_MAX_STATES = 500;

    /** Resident memory (MiB) above which a worker is replaced: {@value}. */
    public static final int DEFAULT_MAX_RSS_MB = 512;

    public SaltWorkerSettings {
        if (maxStates < 1) {
            throw new IllegalArgumentException("maxStates must be at least 1, not " + maxStates);
        }
        if (maxRssMb < 1) {
            throw new IllegalArgumentException("maxRssMb must be at least 1, not " + maxRssMb);
        }
    }

    /** The worker on, with salt-call's interpreter, {@value #DEFAULT_MAX_STATES} states, {@value #DEFAULT_MAX_RSS_MB} MiB. */
    public static SaltWorkerSettings defaults() {
        return new SaltWorkerSettings(true, null, DEFAULT_MAX_STATES, DEFAULT_MAX_RSS_MB);
    }

    /** {@code salt-call} per state. */
    public static SaltWorkerSettings off() {
        return new SaltWorkerSettings(false, null, DEFAULT_MAX_STATES, DEFAULT_MAX_RSS_MB);
    }
}
