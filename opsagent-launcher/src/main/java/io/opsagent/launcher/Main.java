package io.opsagent.launcher;

import io.opsagent.launcher.logging.LoggingSetup;
import java.time.Clock;
import java.util.function.Supplier;

/** The {@code opsagent} command. */
public final class Main {

    private static final String PICOCLI_CONVERTERS_EXCLUDES = "picocli.converters.excludes";

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
        // The command line's values are all strings: picocli need not probe java.sql and java.time
        // for its optional converters, which loads about 140 classes at every start.
        if (System.getProperty(PICOCLI_CONVERTERS_EXCLUDES) == null) {
            System.setProperty(PICOCLI_CONVERTERS_EXCLUDES, "java\\..*");
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
