package io.opsagent.launcher.testing;

import io.opsagent.launcher.status.AgentStatus;
import java.time.Instant;
import java.util.List;

/** A status as an agent in the middle of a round would write it. */
public final class StatusSamples {

    private StatusSamples() {}

    public static AgentStatus executing() {
        return new AgentStatus(
                "0.1.0",
                4242,
                Instant.parse("2026-11-26T16:37:00Z"),
                Instant.parse("2026-11-26T16:40:03.120Z"),
                "CONNECTED",
                "wss://backend.example/agent/",
                "EXECUTING",
                42L,
                3,
                new AgentStatus.CurrentState(1, "web-conf", "linux.file", 2),
                null,
                List.of(new AgentStatus.StateOutcome("pkg-nginx", "linux.apt.package", true, "installed",
                        Instant.parse("2026-11-26T16:40:01Z"))),
                5);
    }
}
