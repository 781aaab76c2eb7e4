package io.opsagent.launcher;

/** Where the launcher gets its {@link AgentRuntime}: the one place to change when the library is wired in. */
public final class AgentRuntimes {

    private AgentRuntimes() {}

    /** A new runtime for one command. */
    public static AgentRuntime create() {
        return new NotWiredRuntime();
    }
}
