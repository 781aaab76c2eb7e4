package io.opsagent.launcher;

/**
 * What {@code opsagent demo} asks of the runtime.
 *
 * @param rounds how many rounds the agent runs against the embedded backend before both stop
 */
public record DemoRequest(int rounds) {
    public DemoRequest {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        }
    }
}
