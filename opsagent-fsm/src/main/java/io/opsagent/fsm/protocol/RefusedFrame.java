package io.opsagent.fsm.protocol;

import java.util.Objects;

/**
 * A frame refused because it broke one of the {@link ProtocolLimits}: what an operator needs to
 * tell which limit to raise, or which backend to look at.
 *
 * @param limit the setting that was broken, named as the {@link ProtocolLimits} component:
 *     {@code maxFrameBytes}, {@code maxStates}, {@code maxParameterBytes},
 *     {@code maxParameterValues} or {@code maxNestingDepth}
 * @param seen the size or count read when the frame was refused: the frame's exact size for
 *     {@code maxFrameBytes}; for the others reading stops at the first value past the limit, so
 *     the frame holds at least that many
 * @param max the limit
 * @param frameType the frame's {@code code} (e.g. {@code RecipeMetadata}) when it could be read
 *     before the limit broke or from the frame's first {@value ProtocolCodec#FRAME_TYPE_WINDOW}
 *     characters; null otherwise
 * @param reason the codec's message, as logged
 */
public record RefusedFrame(String limit, long seen, long max, String frameType, String reason) {

    public RefusedFrame {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(reason, "reason");
    }

    /** This refusal, with the frame's type. */
    RefusedFrame withFrameType(String type) {
        return new RefusedFrame(limit, seen, max, type, reason);
    }
}
