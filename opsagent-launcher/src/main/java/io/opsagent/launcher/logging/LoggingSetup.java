package io.opsagent.launcher.logging;

import io.opsagent.launcher.config.LogLevel;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Configures Log4j2 in code, from the agent's configuration, before anything logs.
 *
 * <p>In code rather than from an XML file because the file name and level come from
 * {@code /etc/opsagent.conf}, and because it spares the XML parser at start-up. Commands that
 * do not log ({@code status}, {@code version}) never get here, so they never load Log4j.
 *
 * <ul>
 *   <li>{@link #daemon}: the rolling file (10 MiB, {@value #KEEP} rolled files
 *       {@code agent.log.1} (newest) to {@code .5}, mode 0640) plus the console on stdout, both
 *       behind an asynchronous appender ({@value #ASYNC}): the event loop hands a line over and
 *       goes on, and a thread of Log4j's writes it, so that a push does not wait for the two
 *       writes of each line it logs (docs/benchmarks.md). The queue holds
 *       {@value #ASYNC_BUFFER} lines and blocks when full. {@link #shutdown} drains it: the
 *       launcher calls it on the way out, and the stop hook of a SIGTERM calls it after the
 *       last line, before the JVM halts. A kill -9 loses what the queue holds;
 *   <li>{@link #console}: the console on stderr only (for {@code apply} and {@code demo}, whose
 *       stdout carries results, and which must not write to a running daemon's log).
 * </ul>
 *
 * An operator who wants another layout can point {@code -Dlog4j2.configurationFile} at a file of
 * their own (config/log4j2.xml is the starting point); it can use {@code ${sys:opsagent.logfile}}
 * and {@code ${sys:opsagent.loglevel}}, which are set from the configuration.
 */
public final class LoggingSetup {

    /** One line per event: UTC time, level, thread, logger, message. */
    public static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}{UTC} %-5level [%t] %c{1} - %msg%n%throwable";
    public static final int KEEP = 5;
    public static final String FILE_PERMISSIONS = "rw-r-----";
    public static final String LOG_FILE_PROPERTY = "opsagent.logfile";
    public static final String LOG_LEVEL_PROPERTY = "opsagent.loglevel";
    /** The name of the daemon's asynchronous appender, in front of the console and the file. */
    public static final String ASYNC = "async";
    public static final int ASYNC_BUFFER = 1024;

    private static final Object SHUTDOWN_LOCK = new Object();

    private LoggingSetup() {}

    /** Logging for {@code run}: the rolling {@code logFile} and stdout. */
    public static void daemon(Path logFile, LogLevel level) {
        apply(Optional.of(logFile), level, ConsoleAppender.Target.SYSTEM_OUT);
    }

    /** Logging for {@code apply} and {@code demo}: stderr only. */
    public static void console(LogLevel level) {
        apply(Optional.empty(), level, ConsoleAppender.Target.SYSTEM_ERR);
    }

    /**
     * Writes what the asynchronous appender still holds, then flushes and closes the appenders;
     * call last, on the way out. Returns only when that is done, also when another thread began
     * it: after a SIGTERM the main thread and the stop hook both call this, and the JVM halts as
     * soon as the hook returns, while Log4j's own {@code LogManager.shutdown()} returns at once
     * when it finds the context already stopping. Hence the lock. The caller's interrupt flag is
     * cleared for the duration (an interrupted thread would not wait for the appender's queue)
     * and set again afterwards.
     */
    public static void shutdown() {
        synchronized (SHUTDOWN_LOCK) {
            boolean interrupted = Thread.interrupted();
            try {
                LogManager.shutdown();
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static void apply(Optional<Path> logFile, LogLevel level, ConsoleAppender.Target consoleTarget) {
        System.setProperty(LOG_LEVEL_PROPERTY, level.log4jName());
        logFile.ifPresent(f -> System.setProperty(LOG_FILE_PROPERTY, f.toString()));
        if (System.getProperty("log4j2.disableJmx") == null) {
            System.setProperty("log4j2.disableJmx", "true");
        }
        if (userConfiguration().isPresent()) {
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            context.reconfigure();
            return;
        }
        Configuration configuration = build(logFile, level, consoleTarget);
        LoggerContext context = Configurator.initialize(configuration);
        if (context.getConfiguration() != configuration) {
            Configurator.reconfigure(configuration);
        }
    }

    private static Optional<String> userConfiguration() {
        String location = System.getProperty("log4j2.configurationFile");
        if (location == null) {
            location = System.getProperty("log4j.configurationFile");
        }
        return Optional.ofNullable(location).filter(s -> !s.isBlank());
    }

    /** The configuration {@link #daemon} ({@code logFile} present) or {@link #console} installs. */
    static Configuration build(Optional<Path> logFile, LogLevel level, ConsoleAppender.Target consoleTarget) {
        return new AgentLogConfiguration(logFile.map(Path::toString), Level.toLevel(level.log4jName()),
                consoleTarget);
    }
}
