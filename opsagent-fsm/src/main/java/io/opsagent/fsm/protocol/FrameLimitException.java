package io.opsagent.fsm.protocol;

/** A frame that breaks one of the {@link ProtocolLimits}; {@link #refusal()} says which and by how much. */
public final class FrameLimitException extends ProtocolException {

    private final transient RefusedFrame refusal;

    FrameLimitException(String limit, long seen, long max, String message) {
        this(new RefusedFrame(limit, seen, max, null, message));
    }

    private FrameLimitException(RefusedFrame refusal) {
        super(refusal.reason());
        this.refusal = refusal;
    }

    /** The limit broken, what was seen, and the frame's type when known. */
    public RefusedFrame refusal() {
        return refusal;
    }

    /** This exception with the frame's type filled in (when {@code type} is not null). */
    FrameLimitException withFrameType(String type) {
        return type == null || refusal.frameType() != null ? this : new FrameLimitException(refusal.withFrameType(type));
    }
}
