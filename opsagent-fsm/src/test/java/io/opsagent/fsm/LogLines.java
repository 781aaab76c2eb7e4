package io.opsagent.fsm;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** Keeps every log line (message and exception) at {@code level} and above until closed. */
public final class LogLines implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    private final LoggerConfig root = context.getConfiguration().getRootLogger();
    private final Level previous = root.getLevel();
    private final String name = "capture-" + System.identityHashCode(this);

    public LogLines(Level level) {
        AbstractAppender capture = new AbstractAppender(name, null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                String line = event.getLevel() + " " + event.getMessage().getFormattedMessage();
                if (event.getThrown() != null) {
                    line += " " + event.getThrown();
                }
                lines.add(line);
            }
        };
        capture.start();
        root.addAppender(capture, level, null);
        root.setLevel(Level.ALL);
        context.updateLoggers();
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        root.removeAppender(name);
        root.setLevel(previous);
        context.updateLoggers();
    }
}
