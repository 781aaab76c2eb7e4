package io.opsagent.launcher;

import io.opsagent.launcher.logging.LoggingSetup;
import java.time.Clock;
import java.util.function.Supplier;

/** The {@code opsagent} command. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        launch(AgentRuntimes::create, args);
    }

    /** Runs the command with runtimes from {@code runtimes} and exits the JVM with its exit code. */
    static void launch(Supplier<AgentRuntime> runtimes, String[] args) {
        // Route java.util.logging (OkHttp logs through it) to Log4j, unless the JVM was told otherwise.
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
        }
        Launcher launcher = new Launcher(runtimes, System.getenv(), System.out, System.err, ShutdownHooks.jvm(),
                Clock.systemUTC());
        int code = launcher.execute(args);
        if (launcher.loggingStarted()) {
            LoggingSetup.shutdown();
        }
        System.exit(code);
    }
}
