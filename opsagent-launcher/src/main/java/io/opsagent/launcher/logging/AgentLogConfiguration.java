package io.opsagent.launcher.logging;

import java.util.Optional;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.RollingFileAppender;
import org.apache.logging.log4j.core.appender.rolling.CompositeTriggeringPolicy;
import org.apache.logging.log4j.core.appender.rolling.DefaultRolloverStrategy;
import org.apache.logging.log4j.core.appender.rolling.SizeBasedTriggeringPolicy;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.status.StatusConfiguration;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * The agent's Log4j configuration, made of the appenders' own builders.
 *
 * <p>Log4j's {@code ConfigurationBuilder} describes the same thing as a tree of plugin nodes,
 * which Log4j then turns into objects by reflection over each plugin's factory, fields and
 * annotations, and builds a layout once for each appender that names it. Here the objects are
 * made directly, one layout shared: about 20 ms less at every start of the daemon
 * (docs/benchmarks.md). {@code config/log4j2.xml} describes the same appenders; a test compares
 * them.
 */
final class AgentLogConfiguration extends AbstractConfiguration {

    private final Optional<String> logFile;
    private final Level level;
    private final ConsoleAppender.Target consoleTarget;

    AgentLogConfiguration(Optional<String> logFile, Level level, ConsoleAppender.Target consoleTarget) {
        super(null, ConfigurationSource.NULL_SOURCE);
        this.logFile = logFile;
        this.level = level;
        this.consoleTarget = consoleTarget;
        setName("opsagent");
        // The launcher's own shutdown hook stops the agent first and then closes logging.
        isShutdownHookEnabled = false;
        new StatusConfiguration().withStatus(Level.WARN).initialize();
    }

    @Override
    protected void doConfigure() {
        PatternLayout layout = PatternLayout.newBuilder()
                .withConfiguration(this)
                .withPattern(LoggingSetup.PATTERN)
                .build();
        Appender console = ConsoleAppender.newBuilder()
                .setName("console")
                .setTarget(consoleTarget)
                .setLayout(layout)
                .setConfiguration(this)
                .build();
        addAppender(console);
        LoggerConfig root = getRootLogger();
        root.setLevel(level);
        if (logFile.isEmpty()) {
            root.addAppender(console, null, null);
            return;
        }
        String file = logFile.get();
        Appender rolling = RollingFileAppender.newBuilder()
                .setName("file")
                .withFileName(file)
                .withFilePattern(file + ".%i")
                .withAppend(true)
                .setFilePermissions(LoggingSetup.FILE_PERMISSIONS)
                // No size: 10 MiB is the policy's default. Log4j parses a size given as text with
                // java.text.NumberFormat, which loads the JDK's locale data (about 1 MiB).
                .withPolicy(CompositeTriggeringPolicy.createPolicy(SizeBasedTriggeringPolicy.createPolicy(null)))
                .withStrategy(DefaultRolloverStrategy.newBuilder()
                        .withMax(Integer.toString(LoggingSetup.KEEP))
                        .withFileIndex("min")
                        .withConfig(this)
                        .build())
                .setLayout(layout)
                .setConfiguration(this)
                .build();
        addAppender(rolling);
        Appender async = AsyncAppender.newBuilder()
                .setName(LoggingSetup.ASYNC)
                .setAppenderRefs(new AppenderRef[] {
                    AppenderRef.createAppenderRef("console", null, null),
                    AppenderRef.createAppenderRef("file", null, null)})
                .setBufferSize(LoggingSetup.ASYNC_BUFFER)
                .setBlocking(true)
                .setConfiguration(this)
                .build();
        addAppender(async);
        root.addAppender(async, null, null);
    }
}
