package io.opsagent.fsm.protocol;

/**
 * The limits a decoded frame must keep, checked while it is read, so that no frame can take more
 * memory than they allow. The defaults fit the agent's shipped heap ({@code -Xmx64m}) with margin:
 * see {@code docs/protocol.md} section 6 and {@code docs/benchmarks.md}.
 *
 * @param maxFrameBytes the size of a frame, in bytes of UTF-8
 * @param maxStates the states of a recipe, and the entries of a {@code WaitList}
 * @param maxParameterBytes the size of one state's {@code parameter} object, in bytes of compact JSON
 * @param maxParameterValues the JSON values (scalars, arrays and objects, the object itself included)
 *     of one state's {@code parameter}
 * @param maxNestingDepth how deep arrays and objects may nest; the frame object itself is level 1
 */
public record ProtocolLimits(int maxFrameBytes, int maxStates, int maxParameterBytes, int maxParameterValues,
        int maxNestingDepth) {

    /** The default limits: 16 MiB frames, 10,000 states, 1 MiB and 20,000 values per parameter, 128 levels. */
    public static final ProtocolLimits DEFAULTS = new ProtocolLimits(16 * 1024 * 1024, 10_000, 1024 * 1024, 20_000,
            128);

    public ProtocolLimits {
        positive("maxFrameBytes", maxFrameBytes);
        positive("maxStates", maxStates);
        positive("maxParameterBytes", maxParameterBytes);
        positive("maxParameterValues", maxParameterValues);
        if (maxNestingDepth < 2 || maxNestingDepth > 1024) {
            throw new IllegalArgumentException("maxNestingDepth must be between 2 and 1024, got " + maxNestingDepth);
        }
    }

    /** These limits with another frame size. */
    public ProtocolLimits withMaxFrameBytes(int bytes) {
        return new ProtocolLimits(bytes, maxStates, maxParameterBytes, maxParameterValues, maxNestingDepth);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
