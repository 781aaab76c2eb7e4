package io.opsagent.launcher.runtime;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateResult;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * Collects one local round of {@code opsagent apply} and renders it: a table for people, or one
 * JSON object. The round follows the agent's rules (a failure restarts it once from the first
 * state); the results shown are those of its last attempt. Wait states have no backend to
 * release them, so they are released as soon as they are reached.
 */
final class ApplyRun implements RoundListener {

    /** One state's outcome in the last attempt. */
    record Outcome(StateResult result, long durationNanos) { }

    private final RecipeMetadata recipe;
    private final boolean dryRun;
    private final boolean verbose;
    private final Consumer<String> releaseWait;
    private final Map<Integer, Outcome> outcomes = new HashMap<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean success;

    ApplyRun(RecipeMetadata recipe, boolean dryRun, boolean verbose, Consumer<String> releaseWait) {
        this.recipe = recipe;
        this.dryRun = dryRun;
        this.verbose = verbose;
        this.releaseWait = releaseWait;
    }

    @Override
    public synchronized void stateStarted(long recipeVersion, int index, RecipeState state) {
        if (index == 0) {
            outcomes.clear();
        }
        if (state.isWait()) {
            releaseWait.accept(state.id());
        }
    }

    @Override
    public synchronized void stateFinished(long recipeVersion, int index, RecipeState state, StateResult result,
            long durationNanos) {
        outcomes.put(index, new Outcome(result, durationNanos));
    }

    @Override
    public void roundFinished(long recipeVersion, long round, boolean ok) {
        success = ok;
        finished.countDown();
    }

    CountDownLatch finished() {
        return finished;
    }

    boolean success() {
        return success;
    }

    private List<RecipeState> states() {
        return recipe.states().orElse(List.of());
    }

    /** {@code {"recipe_version", "ok", "states": [{"id", "module", "result", "changed", "duration_ms", "comment", "stdout"}]}}. */
    synchronized JsonObject json(boolean ok) {
        JsonObject o = new JsonObject();
        o.addProperty("recipe_version", recipe.recipeVersion());
        o.addProperty("ok", ok);
        JsonArray list = new JsonArray();
        List<RecipeState> states = states();
        for (int i = 0; i < states.size(); i++) {
            RecipeState s = states.get(i);
            Outcome outcome = outcomes.get(i);
            JsonObject e = new JsonObject();
            e.addProperty("id", s.id());
            e.addProperty("module", s.module());
            if (outcome == null) {
                e.addProperty("result", false);
                e.addProperty("changed", false);
                e.add("duration_ms", JsonNull.INSTANCE);
                e.addProperty("comment", "not run: an earlier state failed");
                e.add("stdout", JsonNull.INSTANCE);
            } else {
                StateResult r = outcome.result();
                e.add("result", dryRun && r.success() && r.changed() ? JsonNull.INSTANCE : new JsonPrimitive(r.success()));
                e.addProperty("changed", r.changed());
                e.addProperty("duration_ms", outcome.durationNanos() / 1_000_000);
                e.add("comment", r.comment() == null ? JsonNull.INSTANCE : new JsonPrimitive(r.comment()));
                e.add("stdout", r.stdout() == null ? JsonNull.INSTANCE : new JsonPrimitive(r.stdout()));
            }
            list.add(e);
        }
        o.add("states", list);
        return o;
    }

    void printJson(PrintStream out, boolean ok) {
        out.println(new GsonBuilder().serializeNulls().disableHtmlEscaping().setPrettyPrinting().create()
                .toJson(json(ok)));
    }

    synchronized void printTable(PrintStream out, boolean ok) {
        List<RecipeState> states = states();
        String[] header = {"STATE", "MODULE", "RESULT", "CHANGED", "DURATION", "COMMENT"};
        String[][] rows = new String[states.size()][];
        for (int i = 0; i < states.size(); i++) {
            RecipeState s = states.get(i);
            Outcome outcome = outcomes.get(i);
            if (outcome == null) {
                rows[i] = new String[] {s.id(), s.module(), "not run", "-", "-", "an earlier state failed"};
            } else {
                StateResult r = outcome.result();
                String result = !r.success() ? "FAILED" : dryRun && r.changed() ? "would change" : "ok";
                rows[i] = new String[] {s.id(), s.module(), result, r.changed() ? "yes" : "no",
                    outcome.durationNanos() / 1_000_000 + " ms", firstLine(r.comment())};
            }
        }
        int[] width = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            width[c] = header[c].length();
            for (String[] row : rows) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        out.println(line(header, width));
        for (int i = 0; i < rows.length; i++) {
            out.println(line(rows[i], width));
            Outcome outcome = outcomes.get(i);
            if (verbose && outcome != null) {
                printDetail(out, "comment", outcome.result().comment());
                printDetail(out, "output", outcome.result().stdout());
            }
        }
        out.println();
        out.println("recipe version " + recipe.recipeVersion() + ": " + (ok ? "every state succeeded" : "a state failed")
                + (dryRun ? " (dry run: nothing was changed)" : ""));
    }

    /** {@code --verbose}: a state's whole text, indented under its row. */
    private static void printDetail(PrintStream out, String label, String text) {
        if (text == null || text.isBlank()) {
            return;
        }
        out.println("    " + label + ":");
        text.stripTrailing().lines().forEach(l -> out.println("      " + l));
    }

    private static String line(String[] cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            b.append(c == cells.length - 1 ? cells[c] : String.format("%-" + width[c] + "s  ", cells[c]));
        }
        return b.toString().stripTrailing();
    }

    private static String firstLine(String comment) {
        if (comment == null) {
            return "";
        }
        String first = comment.strip().lines().findFirst().orElse("");
        return first.length() > 80 ? first.substring(0, 79) + "…" : first;
    }
}
