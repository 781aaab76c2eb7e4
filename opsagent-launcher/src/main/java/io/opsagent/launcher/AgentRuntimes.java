package io.opsagent.launcher;

import io.opsagent.launcher.runtime.LibraryRuntime;

/** Where the launcher gets its {@link AgentRuntime}: the library's agent. */
public final class AgentRuntimes {

    private AgentRuntimes() {}

    /** A new runtime for one command. */
    public static AgentRuntime create() {
        return new LibraryRuntime();
    }
}
