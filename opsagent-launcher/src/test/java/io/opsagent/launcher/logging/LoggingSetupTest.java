package io.opsagent.launcher.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.config.LogLevel;
import io.opsagent.launcher.host.FileModes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.RollingFileAppender;
import org.apache.logging.log4j.core.appender.rolling.CompositeTriggeringPolicy;
import org.apache.logging.log4j.core.appender.rolling.DefaultRolloverStrategy;
import org.apache.logging.log4j.core.appender.rolling.SizeBasedTriggeringPolicy;
import org.apache.logging.log4j.core.config.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoggingSetupTest {

    @TempDir
    Path dir;

    @Test
    void theDaemonLogsToARollingFileOfTenMebibytesKeepingFive() {
        Configuration c = LoggingSetup.build(Optional.of(dir.resolve("agent.log")), LogLevel.DEBUG, ConsoleAppender.Target.SYSTEM_OUT);
        c.initialize();
        c.start();
        try {
            RollingFileAppender file = c.getAppender("file");
            assertThat(file.getFileName()).isEqualTo(dir.resolve("agent.log").toString());
            assertThat(file.getFilePattern()).isEqualTo(dir.resolve("agent.log") + ".%i");
            CompositeTriggeringPolicy policies = file.getTriggeringPolicy();
            assertThat(policies.getTriggeringPolicies()).hasSize(1);
            SizeBasedTriggeringPolicy size = (SizeBasedTriggeringPolicy) policies.getTriggeringPolicies()[0];
            assertThat(size.getMaxFileSize()).isEqualTo(10L * 1024 * 1024);
            DefaultRolloverStrategy strategy = (DefaultRolloverStrategy) file.getManager().getRolloverStrategy();
            assertThat(strategy.getMaxIndex()).isEqualTo(5);
            assertThat(strategy.isUseMax()).isFalse();
            ConsoleAppender console = c.getAppender("console");
            assertThat(console.getTarget()).isEqualTo(ConsoleAppender.Target.SYSTEM_OUT);
            assertThat(c.getRootLogger().getLevel()).isEqualTo(Level.DEBUG);
            // The loop hands lines to a queue; a thread of Log4j's writes them to both.
            assertThat(c.getRootLogger().getAppenders()).containsOnlyKeys("async");
            AsyncAppender async = c.getAppender("async");
            assertThat(async.getAppenderRefStrings()).containsExactly("console", "file");
            assertThat(async.isBlocking()).isTrue();
        } finally {
            c.stop();
        }
    }

    @Test
    void commandsOtherThanRunLogToStderrOnly() {
        Configuration c = LoggingSetup.build(Optional.empty(), LogLevel.WARNING, ConsoleAppender.Target.SYSTEM_ERR);
        c.initialize();

        assertThat(c.getAppenders()).containsOnlyKeys("console");
        assertThat(c.getRootLogger().getLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void linesReachTheFileAtTheConfiguredLevelWithMode0640() throws IOException {
        Path log = dir.resolve("agent.log");
        LoggingSetup.daemon(log, LogLevel.INFO);
        Logger logger = LogManager.getLogger("io.opsagent.test.LoggingSetupTest");

        logger.debug("not at INFO");
        logger.info("hello from the test");
        // Replacing the daemon's configuration stops it, which drains the asynchronous queue.
        LoggingSetup.console(LogLevel.INFO);

        String text = Files.readString(log);
        assertThat(text).matches("(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  \\[.+] LoggingSetupTest - "
                + "hello from the test\\n");
        assertThat(FileModes.mode(Files.getPosixFilePermissions(log))).isEqualTo(0640);
    }
}
