package io.opsagent.launcher.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LoggingSetup#shutdown} on the way out of a SIGTERM: the main thread and the stop hook
 * both call it, and the JVM halts as soon as the hook returns. Lines still queued for the
 * asynchronous appender must be written by then, whichever thread began the shutdown and
 * whatever its interrupt flag. The appender here is held at a gate, the stand-in for a file
 * write that takes a while on a loaded machine.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoggingShutdownTest {

    private final List<String> order = Collections.synchronizedList(new ArrayList<>());
    private final GatedAppender gated = new GatedAppender(order);
    private LoggerContext context;

    @AfterEach
    void openTheGateAndShutDown() {
        gated.open();
        LoggingSetup.shutdown();
    }

    @Test
    void aShutdownBegunOnAnotherThreadIsWaitedForUntilTheQueuedLinesAreWritten() throws Exception {
        // given: the appender's thread is writing the last line, and the main thread has begun
        // to shut logging down (it waits for that line)
        install();
        LogManager.getLogger("io.opsagent.test").info("the last line");
        gated.awaitWriting();
        Thread main = start("main", LoggingSetup::shutdown);
        while (!context.isStopping() && !context.isStopped()) {
            Thread.onSpinWait();
        }

        // when: the stop hook shuts logging down too
        Thread hook = start("hook", () -> {
            LoggingSetup.shutdown();
            order.add("the hook returned");
        });
        awaitWaitingOrDone(hook);
        gated.open();
        main.join();
        hook.join();

        // then: the hook returned (and the JVM would halt) only after the line was written
        assertThat(order).containsExactly("written: the last line", "the hook returned");
    }

    @Test
    void anInterruptedCallerStillWaitsForTheQueuedLinesAndKeepsItsInterrupt() throws Exception {
        // given
        install();
        LogManager.getLogger("io.opsagent.test").info("the last line");
        gated.awaitWriting();
        boolean[] interruptedAfter = new boolean[1];

        // when: a thread whose interrupt flag is set shuts logging down
        Thread caller = start("interrupted", () -> {
            Thread.currentThread().interrupt();
            LoggingSetup.shutdown();
            interruptedAfter[0] = Thread.currentThread().isInterrupted();
            order.add("shutdown returned");
        });
        awaitWaitingOrDone(caller);
        gated.open();
        caller.join();

        // then
        assertThat(order).containsExactly("written: the last line", "shutdown returned");
        assertThat(interruptedAfter[0]).as("the caller's interrupt flag is restored").isTrue();
    }

    /** Routes the root logger through an asynchronous appender to {@link #gated}. */
    private void install() {
        context = (LoggerContext) LogManager.getContext(false);
        context.setConfiguration(new GatedConfiguration(context, gated));
    }

    private static Thread start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.start();
        return thread;
    }

    /** Spins until {@code thread} has either finished or is parked (on a lock, a join or a latch). */
    private static void awaitWaitingOrDone(Thread thread) {
        EnumSet<Thread.State> settled = EnumSet.of(Thread.State.BLOCKED, Thread.State.WAITING,
                Thread.State.TIMED_WAITING, Thread.State.TERMINATED);
        while (!settled.contains(thread.getState())) {
            Thread.onSpinWait();
        }
    }

    private static final class GatedConfiguration extends AbstractConfiguration {
        private final GatedAppender gated;

        GatedConfiguration(LoggerContext context, GatedAppender gated) {
            super(context, ConfigurationSource.NULL_SOURCE);
            this.gated = gated;
            this.isShutdownHookEnabled = false;
        }

        @Override
        protected void doConfigure() {
            gated.start();
            addAppender(gated);
            AsyncAppender async = AsyncAppender.newBuilder()
                    .setName("async")
                    .setAppenderRefs(new AppenderRef[] {AppenderRef.createAppenderRef(gated.getName(), null, null)})
                    .setBlocking(true)
                    .setConfiguration(this)
                    .build();
            async.start();
            addAppender(async);
            getRootLogger().getAppenderRefs().clear();
            getRootLogger().addAppender(async, Level.INFO, null);
            getRootLogger().setLevel(Level.INFO);
        }
    }

    /** Records each line it is given, once its gate is open. */
    private static final class GatedAppender extends AbstractAppender {
        private final List<String> order;
        private final CountDownLatch writing = new CountDownLatch(1);
        private final CountDownLatch gate = new CountDownLatch(1);

        GatedAppender(List<String> order) {
            super("gated", null, null, true, Property.EMPTY_ARRAY);
            this.order = order;
        }

        @Override
        public void append(LogEvent event) {
            writing.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            order.add("written: " + event.getMessage().getFormattedMessage());
        }

        void awaitWriting() throws InterruptedException {
            writing.await();
        }

        void open() {
            gate.countDown();
        }
    }
}
