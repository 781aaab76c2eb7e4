package io.opsagent.launcher.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.config.LogLevel;
import io.opsagent.launcher.testing.RepositoryFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.RollingFileAppender;
import org.apache.logging.log4j.core.appender.rolling.CompositeTriggeringPolicy;
import org.apache.logging.log4j.core.appender.rolling.DefaultRolloverStrategy;
import org.apache.logging.log4j.core.appender.rolling.SizeBasedTriggeringPolicy;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.xml.XmlConfiguration;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config/log4j2.xml, the starting point for a custom logging file, configures what the code does. */
class Log4jXmlExampleTest {

    @TempDir
    Path dir;

    @Test
    void theExampleFileMatchesTheConfigurationInCode() throws IOException {
        Path log = dir.resolve("agent.log");
        System.setProperty(LoggingSetup.LOG_FILE_PROPERTY, log.toString());
        System.setProperty(LoggingSetup.LOG_LEVEL_PROPERTY, "DEBUG");
        Path file = RepositoryFiles.resolve("config/log4j2.xml");
        Configuration xml;
        try (InputStream in = Files.newInputStream(file)) {
            xml = new XmlConfiguration(new LoggerContext("xml-example"), new ConfigurationSource(in, file.toFile()));
        }
        // Started, not only initialized: an asynchronous appender can only be stopped once started.
        xml.start();
        Configuration code = LoggingSetup.build(Optional.of(log), LogLevel.DEBUG, ConsoleAppender.Target.SYSTEM_OUT);
        code.start();
        try {
            assertThat(xml.getAppenders().keySet()).isEqualTo(code.getAppenders().keySet());
            assertThat(xml.getRootLogger().getLevel()).isEqualTo(code.getRootLogger().getLevel());
            assertThat(xml.getRootLogger().getAppenders().keySet())
                    .isEqualTo(code.getRootLogger().getAppenders().keySet()).containsExactly(LoggingSetup.ASYNC);

            RollingFileAppender a = xml.getAppender("file");
            RollingFileAppender b = code.getAppender("file");
            assertThat(a.getFileName()).isEqualTo(b.getFileName()).isEqualTo(log.toString());
            assertThat(a.getFilePattern()).isEqualTo(b.getFilePattern());
            assertThat(size(a)).isEqualTo(size(b)).isEqualTo(10L * 1024 * 1024);
            DefaultRolloverStrategy sa = (DefaultRolloverStrategy) a.getManager().getRolloverStrategy();
            DefaultRolloverStrategy sb = (DefaultRolloverStrategy) b.getManager().getRolloverStrategy();
            assertThat(sa.getMaxIndex()).isEqualTo(sb.getMaxIndex());
            assertThat(sa.isUseMax()).isEqualTo(sb.isUseMax());
            assertThat(((PatternLayout) a.getLayout()).getConversionPattern())
                    .isEqualTo(((PatternLayout) b.getLayout()).getConversionPattern())
                    .isEqualTo(LoggingSetup.PATTERN);
            AsyncAppender qa = xml.getAppender(LoggingSetup.ASYNC);
            AsyncAppender qb = code.getAppender(LoggingSetup.ASYNC);
            assertThat(qa.getAppenderRefStrings()).containsExactly(qb.getAppenderRefStrings());
            assertThat(qa.isBlocking()).isEqualTo(qb.isBlocking()).isTrue();
            ConsoleAppender ca = xml.getAppender("console");
            ConsoleAppender cb = code.getAppender("console");
            assertThat(ca.getTarget()).isEqualTo(cb.getTarget());
        } finally {
            xml.stop();
            code.stop();
            System.clearProperty(LoggingSetup.LOG_FILE_PROPERTY);
            System.clearProperty(LoggingSetup.LOG_LEVEL_PROPERTY);
        }
    }

    private static long size(RollingFileAppender appender) {
        CompositeTriggeringPolicy policies = appender.getTriggeringPolicy();
        return ((SizeBasedTriggeringPolicy) policies.getTriggeringPolicies()[0]).getMaxFileSize();
    }
}
