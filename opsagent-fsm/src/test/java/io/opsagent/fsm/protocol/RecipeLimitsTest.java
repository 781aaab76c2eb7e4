package io.opsagent.fsm.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The limits checked while a frame is read: states per recipe (and entries of a WaitList), the size
 * and the number of values of a state's parameter; and that what no message uses is not kept.
 */
class RecipeLimitsTest {

    private static final ProtocolLimits SMALL = new ProtocolLimits(1024 * 1024, 3, 64, 10, 128);

    private final ProtocolCodec codec = new ProtocolCodec(SMALL);

    private static String recipe(int states, String parameter) {
        StringBuilder frame = new StringBuilder("{\"code\":\"RecipeMetadata\",\"recipe_version\":2,\"state\":[");
        for (int i = 0; i < states; i++) {
            frame.append(i == 0 ? "" : ",").append("{\"id\":\"s").append(i)
                    .append("\",\"module\":\"meta.comment\",\"parameter\":").append(parameter).append('}');
        }
        return frame.append("]}").toString();
    }

    private RefusedFrame refusal(String frame) {
        try {
            codec.decodeBackendMessage(frame);
        } catch (FrameLimitException e) {
            return e.refusal();
        }
        throw new AssertionError("not refused for a limit: " + frame.substring(0, Math.min(80, frame.length())));
    }

    @Test
    void aRefusalNamesTheLimitWhatWasSeenAndTheFrameType() {
        assertThat(refusal(recipe(4, "{}"))).isEqualTo(new RefusedFrame("maxStates", 4, 3, "RecipeMetadata",
                "state: more than 3 states; a recipe may have at most 3"));
        assertThat(refusal("{\"code\":\"WaitList\",\"recipe_version\":1,\"waited\":[\"a\",\"b\",\"c\",\"d\"]}"))
                .extracting(RefusedFrame::limit, RefusedFrame::seen, RefusedFrame::max, RefusedFrame::frameType)
                .containsExactly("maxStates", 4L, 3L, "WaitList");
        assertThat(refusal(recipe(1, "{\"a\":[1,2,3,4,5,6,7,8,9,10]}")))
                .extracting(RefusedFrame::limit, RefusedFrame::seen, RefusedFrame::max, RefusedFrame::frameType)
                .containsExactly("maxParameterValues", 11L, 10L, "RecipeMetadata");
        RefusedFrame large = refusal(recipe(1, "{\"a\":\"" + "x".repeat(100) + "\"}"));
        assertThat(large.limit()).isEqualTo("maxParameterBytes");
        assertThat(large.seen()).isGreaterThan(64);
        assertThat(large.max()).isEqualTo(64);
        assertThat(refusal("{\"code\":\"RecipeMetadata\",\"state\":" + "[".repeat(200) + "]".repeat(200) + "}"))
                .extracting(RefusedFrame::limit, RefusedFrame::seen, RefusedFrame::max, RefusedFrame::frameType)
                .containsExactly("maxNestingDepth", 129L, 128L, "RecipeMetadata");
    }

    @Test
    void aFrameTooLargeHasItsExactSizeAndItsTypeWhenItsCodeComesEarly() {
        ProtocolCodec tiny = new ProtocolCodec(100);
        String padded = "{\"code\":\"Test\",\"pad\":\"" + "x".repeat(100) + "\"}";
        assertThatThrownBy(() -> tiny.decodeBackendMessage(padded))
                .isInstanceOfSatisfying(FrameLimitException.class, e -> assertThat(e.refusal()).isEqualTo(
                        new RefusedFrame("maxFrameBytes", padded.length(), 100, "Test",
                                "frame of " + padded.length() + " bytes exceeds the limit of 100 bytes")));
        String codeLate = "{\"pad\":\"" + "x".repeat(ProtocolCodec.FRAME_TYPE_WINDOW) + "\",\"code\":\"Test\"}";
        assertThatThrownBy(() -> tiny.decodeBackendMessage(codeLate))
                .isInstanceOfSatisfying(FrameLimitException.class, e -> assertThat(e.refusal().frameType()).isNull());
        assertThatThrownBy(() -> tiny.decodeBackendMessage("x".repeat(101)))
                .isInstanceOfSatisfying(FrameLimitException.class, e -> assertThat(e.refusal().frameType()).isNull());
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertThat(new ProtocolCodec().limits()).isEqualTo(new ProtocolLimits(16 * 1024 * 1024, 10_000, 1024 * 1024,
                20_000, 128));
    }

    @Test
    void aRecipeOfExactlyTheStateLimitIsAcceptedAndOneMoreIsRefused() {
        RecipeMetadata three = (RecipeMetadata) codec.decodeBackendMessage(recipe(3, "{}"));
        assertThat(three.states().orElseThrow()).hasSize(3);

        assertThatThrownBy(() -> codec.decodeBackendMessage(recipe(4, "{}")))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("state: more than 3 states; a recipe may have at most 3");
    }

    @Test
    void theDefaultLimitRefusesAHundredThousandStates() {
        assertThatThrownBy(() -> new ProtocolCodec().decodeBackendMessage(recipe(100_000, "{\"comment\":\"x\"}")))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("state: more than 10000 states; a recipe may have at most 10000");
    }

    @Test
    void aWaitListLongerThanTheStateLimitIsRefused() {
        String four = "{\"code\":\"WaitList\",\"recipe_version\":1,\"waited\":[\"a\",\"b\",\"c\",\"d\"]}";

        assertThatThrownBy(() -> codec.decodeBackendMessage(four))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("waited: more than 3 entries; a WaitList may have at most 3");
        assertThat(codec.decodeBackendMessage(four.replace(",\"d\"", "")))
                .isEqualTo(new WaitList(1, List.of("a", "b", "c")));
    }

    @Test
    void aParameterOfExactlyTheByteLimitIsAcceptedAndOneByteMoreIsRefused() {
        // {"c":"…"} is 8 bytes around the string: 56 more make 64.
        String exact = "{\"c\":\"" + "x".repeat(56) + "\"}";
        RecipeMetadata r = (RecipeMetadata) codec.decodeBackendMessage(recipe(1, exact));
        assertThat(r.states().orElseThrow().get(0).parameterJson()).isEqualTo(exact);

        assertThatThrownBy(() -> codec.decodeBackendMessage(recipe(1, "{\"c\":\"" + "é".repeat(29) + "\"}")))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("state[0].parameter: larger than 64 bytes; a state's parameter may have at most 64");
    }

    @Test
    void theParameterSizeIsThatOfItsCompactTextNotOfTheFrame() {
        String spaced = "{ \"c\" : \"" + "x".repeat(56) + "\"" + " ".repeat(500) + "}";

        RecipeMetadata r = (RecipeMetadata) codec.decodeBackendMessage(recipe(1, spaced));

        assertThat(r.states().orElseThrow().get(0).parameterJson()).isEqualTo("{\"c\":\"" + "x".repeat(56) + "\"}");
    }

    @Test
    void aParameterOfManySmallValuesIsRefusedAtTheValueLimit() {
        // The object and 9 numbers are 10 values; a tenth number makes 11.
        String nine = "{\"n\":[" + String.join(",", Collections.nCopies(8, "1")) + "]}";
        assertThat(codec.decodeBackendMessage(recipe(1, nine))).isInstanceOf(RecipeMetadata.class);

        String ten = "{\"n\":[" + String.join(",", Collections.nCopies(9, "1")) + "]}";
        assertThatThrownBy(() -> codec.decodeBackendMessage(recipe(1, ten)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("state[0].parameter: more than 10 JSON values; a state's parameter may have at most 10");
    }

    @Test
    void parametersKeepTheirValuesExactly() {
        String parameter = "{\"big\":12345678901234567890123,\"f\":1.50,\"e\":1e3,\"t\":true,\"z\":null,"
                + "\"s\":\"\\u2028 é \\\" \\\\\",\"a\":[{}]}";
        ProtocolCodec roomy = new ProtocolCodec();

        RecipeState state = ((RecipeMetadata) roomy.decodeBackendMessage(recipe(1, parameter))).states().orElseThrow()
                .get(0);

        assertThat(state.parameters()).isEqualTo(StateParameters.parse(parameter));
        assertThat(state.parameterJson()).contains("12345678901234567890123", "1.50", "1e3");
    }

    @Test
    void aSyntaxErrorAfterAFieldErrorIsStillReportedFirst() {
        String frame = "{\"code\":\"RecipeMetadata\",\"recipe_version\":1,\"state\":[{\"module\":\"m\"}],}";

        assertThatThrownBy(() -> codec.decodeBackendMessage(frame))
                .isInstanceOf(ProtocolException.class)
                .hasMessageStartingWith("frame is not valid JSON");
    }

    @Test
    void unknownFieldsAreSkippedWhateverTheyHold() {
        String hostile = "{\"code\":\"AppNotReady\",\"x\":[" + String.join(",", Collections.nCopies(200_000, "[1]"))
                + "],\"state\":[{\"id\":\"a\",\"module\":\"m\",\"parameter\":{},\"y\":[[[[1]]]]}]}";

        assertThat(codec.decodeBackendMessage(hostile)).isEqualTo(new AppNotReady());
    }
}
