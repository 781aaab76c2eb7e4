package io.opsagent.fsm.internal.exec.process;

/**
 * How much of a stream is kept while it is read: the first {@code headBytes} and the last
 * {@code tailBytes}. Everything in between is read and counted but dropped, so a process that
 * writes without end cannot exhaust memory.
 */
public record OutputLimit(int headBytes, int tailBytes) {

    public OutputLimit {
        if (headBytes < 0 || tailBytes < 0) {
            throw new IllegalArgumentException("limits must not be negative: head " + headBytes + ", tail " + tailBytes);
        }
    }

    /** Keeps {@code headBytes} from the beginning and {@code tailBytes} from the end. */
    public static OutputLimit of(int headBytes, int tailBytes) {
        return new OutputLimit(headBytes, tailBytes);
    }
}
