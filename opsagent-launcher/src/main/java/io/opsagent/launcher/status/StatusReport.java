package io.opsagent.launcher.status;

import io.opsagent.launcher.host.InstanceLock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** The text {@code opsagent status} prints: whether the agent runs, and what its status file says. */
public final class StatusReport {

    private StatusReport() {}

    /**
     * @param status the status file's content, empty when there is none
     * @param lock what the lock file says about a running agent
     * @param statusFile the file's path, for messages
     * @param now the current time, for ages
     */
    public static String render(Optional<AgentStatus> status, InstanceLock.Probe lock, String statusFile, Instant now) {
        StringBuilder out = new StringBuilder();
        String pid = lock.pid().isPresent() ? "pid " + lock.pid().getAsLong() : "pid unknown";
        switch (lock.state()) {
            case HELD:
                line(out, "agent", "running (" + pid + ")");
                break;
            case FREE:
                line(out, "agent", "not running");
                break;
            default:
                line(out, "agent", "unknown: " + lock.detail());
                break;
        }
        if (status.isEmpty()) {
            line(out, "status", "none yet (" + statusFile + " does not exist)");
            return out.toString();
        }
        AgentStatus s = status.get();
        line(out, "version", s.agentVersion() + ", started " + seconds(s.startedAt()) + " (pid " + s.pid() + ")");
        line(out, "updated", seconds(s.updatedAt()) + " (" + span(s.updatedAt(), now) + " ago)"
                + (lock.state() == InstanceLock.State.FREE ? "; the agent has stopped since" : ""));
        line(out, "connection", s.connectionState() + (s.backendUri() == null ? "" : " to " + s.backendUri())
                + (s.nextReconnectAt() == null ? "" : ", next attempt at " + seconds(s.nextReconnectAt()) + " (in "
                + span(now, s.nextReconnectAt()) + ")"));
        line(out, "round", s.roundState() + (s.nextRoundAt() == null ? "" : ", next at " + seconds(s.nextRoundAt())
                + " (in " + span(now, s.nextRoundAt()) + ")"));
        line(out, "recipe", s.recipeVersion() == null ? "none" : "version " + s.recipeVersion() + ", "
                + s.stateCount() + (s.stateCount() == 1 ? " state" : " states"));
        AgentStatus.CurrentState c = s.currentState();
        line(out, "current", c == null ? "-" : "state " + (c.index() + 1) + " of " + s.stateCount() + ": " + c.id()
                + " (" + c.module() + ")" + (c.attempt() > 1 ? ", attempt " + c.attempt() : "")
                + (c.waitingFor() != null ? waiting(c, now)
                        : c.startedAt() == null ? "" : ", running for " + span(c.startedAt(), now)));
        if (s.instanceIdProblem() != null) {
            line(out, "instance id", s.instanceIdProblem() + "; still trying");
        }
        if (s.lastRejectedRecipe() != null) {
            AgentStatus.RejectedRecipe r = s.lastRejectedRecipe();
            line(out, "rejected", "recipe version " + r.recipeVersion() + " at " + seconds(r.at()) + " ("
                    + span(r.at(), now) + " ago): " + oneLine(r.reason()));
        }
        if (s.lastRefusedFrame() != null) {
            AgentStatus.RefusedFrame f = s.lastRefusedFrame();
            line(out, "refused", (f.frameType() == null ? "a frame" : f.frameType() + " frame") + " at "
                    + seconds(f.at()) + " (" + span(f.at(), now) + " ago): " + f.limit() + " " + f.max() + ", seen "
                    + f.seen() + ": " + oneLine(f.reason()));
        }
        if (s.droppedInputs() != null && s.droppedInputs().total() > 0) {
            line(out, "dropped", dropped(s.droppedInputs()));
        }
        line(out, "outbox", s.outboxDepth() + (s.outboxDepth() == 1 ? " StateLog" : " StateLogs")
                + " waiting for the backend");
        if (s.lastResults().isEmpty()) {
            line(out, "results", "none yet");
        } else {
            line(out, "results", "");
            int idWidth = 2;
            for (AgentStatus.StateOutcome r : s.lastResults()) {
                idWidth = Math.max(idWidth, r.id().length());
            }
            for (AgentStatus.StateOutcome r : s.lastResults()) {
                out.append(String.format("  %-4s  %-" + idWidth + "s  %s%s%n", r.ok() ? "ok" : "FAIL", r.id(),
                        r.module(), r.comment() == null || r.comment().isBlank() ? "" : "  " + oneLine(r.comment())));
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String label, String value) {
        out.append(String.format("%-11s %s%n", label, value).replaceAll(" +(\\R)$", "$1"));
    }

    /** {@code , waiting for @{db.state.1} since 2026-11-26T16:39:19Z (41s)}. */
    private static String waiting(AgentStatus.CurrentState c, Instant now) {
        return ", waiting for " + (c.waitingFor().isEmpty() ? "its DONE" : String.join(", ", c.waitingFor()))
                + (c.startedAt() == null ? "" : " since " + seconds(c.startedAt()) + " (" + span(c.startedAt(), now) + ")");
    }

    private static String seconds(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The time from {@code from} to {@code to}, rounded down: {@code 3s}, {@code 4m}, {@code 2h}, {@code 3d}. */
    static String span(Instant from, Instant to) {
        long s = Math.max(0, Duration.between(from, to).getSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 2 * 3600) {
            return s / 60 + "m";
        }
        if (s < 2 * 86400) {
            return s / 3600 + "h";
        }
        return s / 86400 + "d";
    }

    private static String oneLine(String text) {
        String flat = text.strip().replaceAll("\\s*\\R\\s*", " / ");
        return flat.length() <= 100 ? flat : flat.substring(0, 97) + "...";
    }

    /** "3 inputs: 1 rejected event, 2 late results" — the kinds counted, the rest left out. */
    private static String dropped(AgentStatus.DroppedInputs d) {
        StringBuilder kinds = new StringBuilder();
        kind(kinds, d.rejectedEvents(), "rejected event", "rejected events");
        kind(kinds, d.lateResults(), "late result", "late results");
        kind(kinds, d.staleTimeouts(), "stale timeout", "stale timeouts");
        kind(kinds, d.staleTimers(), "stale timer", "stale timers");
        kind(kinds, d.staleReleases(), "release for another version", "releases for another version");
        kind(kinds, d.unknownWaitReleases(), "release of no wait state", "releases of no wait state");
        kind(kinds, d.repeatedRecipes(), "re-push of the loaded version", "re-pushes of the loaded version");
        kind(kinds, d.actionFailures(), "failed action", "failed actions");
        return d.total() + (d.total() == 1 ? " input: " : " inputs: ") + kinds;
    }

    private static void kind(StringBuilder kinds, long count, String one, String many) {
        if (count == 0) {
            return;
        }
        if (kinds.length() > 0) {
            kinds.append(", ");
        }
        kinds.append(count).append(' ').append(count == 1 ? one : many);
    }
}
