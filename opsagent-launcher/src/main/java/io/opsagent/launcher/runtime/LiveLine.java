package io.opsagent.launcher.runtime;

import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.protocol.RecipeState;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The one line {@code opsagent apply} keeps rewritten on a terminal while a state runs:
 * {@code state 2 of 4: web-conf (linux.cmd), 12 s}. Each rendering starts with a carriage
 * return and pads over the previous one; {@link #clear()} blanks it before the results are
 * printed. Used only when stdout is a terminal, so a pipe never gets a control character.
 * {@link #tick()} is called from a scheduler every second; time comes from the given clock.
 * Thread-safe.
 */
final class LiveLine implements RoundListener {

    /** The widest line shown: one that wrapped could not be rewritten with a carriage return. */
    static final int WIDTH = 79;

    private final PrintStream out;
    private final Clock clock;
    private final int stateCount;
    private String label;
    private Instant since;
    private int shown;

    LiveLine(PrintStream out, Clock clock, int stateCount) {
        this.out = Objects.requireNonNull(out, "out");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.stateCount = stateCount;
    }

    @Override
    public synchronized void stateStarted(long recipeVersion, int index, RecipeState state) {
        label = "state " + (index + 1) + " of " + stateCount + ": " + state.id() + " (" + state.module() + ")";
        since = clock.instant();
        render();
    }

    /** Rewrites the line with the running state's elapsed time; nothing before the first state. */
    synchronized void tick() {
        if (label != null) {
            render();
        }
    }

    /** Blanks the line, leaving the cursor at its start; nothing when none was shown. */
    synchronized void clear() {
        label = null;
        if (shown > 0) {
            out.print("\r" + " ".repeat(shown) + "\r");
            out.flush();
            shown = 0;
        }
    }

    private void render() {
        long seconds = Math.max(0, Duration.between(since, clock.instant()).getSeconds());
        String elapsed = ", " + seconds + " s";
        String shownLabel = label.length() + elapsed.length() <= WIDTH ? label
                : label.substring(0, Math.max(0, WIDTH - elapsed.length() - 3)) + "...";
        String text = shownLabel + elapsed;
        out.print("\r" + text + " ".repeat(Math.max(0, shown - text.length())));
        out.flush();
        shown = Math.max(shown, text.length());
    }
}
