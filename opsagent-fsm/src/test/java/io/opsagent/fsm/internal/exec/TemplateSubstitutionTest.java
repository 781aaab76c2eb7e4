package io.opsagent.fsm.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateSubstitutionTest {

    private static final Map<String, String> PARAMS = Map.of("username", "alice", "path", "/srv/app", "_x1", "y");

    @Test
    void knownNamesAreReplacedInBothForms() {
        assertThat(TemplateSubstitution.apply("/home/$username", PARAMS)).isEqualTo("/home/alice");
        assertThat(TemplateSubstitution.apply("${path}/bin:$_x1", PARAMS)).isEqualTo("/srv/app/bin:y");
    }

    @Test
    void unknownNamesAndStrayDollarsSurvive() {
        assertThat(TemplateSubstitution.apply("echo $HOME ${SHELL} $1 $! $ end$", PARAMS))
                .isEqualTo("echo $HOME ${SHELL} $1 $! $ end$");
    }

    @Test
    void doubleDollarStandsForOneDollarAndBlocksTheName() {
        assertThat(TemplateSubstitution.apply("pid $$ and $$username", PARAMS)).isEqualTo("pid $ and $username");
    }

    @Test
    void theLongestIdentifierIsTakenAsTheName() {
        assertThat(TemplateSubstitution.apply("$usernames $username.txt $username-x", PARAMS))
                .isEqualTo("$usernames alice.txt alice-x");
    }

    @Test
    void textWithoutDollarIsReturnedAsIs() {
        String s = "plain";
        assertThat(TemplateSubstitution.apply(s, PARAMS)).isSameAs(s);
    }
}
