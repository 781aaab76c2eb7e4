package io.opsagent.launcher;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;

/** A runtime that records what the launcher hands it; {@code run} blocks until {@code stop}. */
final class RecordingRuntime implements AgentRuntime {

    static final Duration DEADLINE = Duration.ofSeconds(30);

    final CountDownLatch started = new CountDownLatch(1);
    final AtomicInteger stops = new AtomicInteger();
    volatile AgentContext context;
    volatile ApplyRequest applyRequest;
    volatile DemoRequest demoRequest;
    volatile boolean demoStateDirExisted;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final int exitCode;

    RecordingRuntime(int exitCode) {
        this.exitCode = exitCode;
    }

    @Override
    public int run(AgentContext context) {
        this.context = context;
        // Logs everything it was given: nothing secret may come out of it.
        LogManager.getLogger(RecordingRuntime.class).debug("runtime got {}", context);
        started.countDown();
        try {
            if (!stopped.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("not stopped within " + DEADLINE);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return exitCode;
    }

    @Override
    public int apply(AgentContext context, ApplyRequest request) {
        this.context = context;
        this.applyRequest = request;
        started.countDown();
        context.out().println("applied " + request.recipe().getFileName());
        return exitCode;
    }

    @Override
    public int demo(AgentContext context, DemoRequest request) {
        this.context = context;
        this.demoRequest = request;
        this.demoStateDirExisted = java.nio.file.Files.isDirectory(context.host().stateDir());
        started.countDown();
        return exitCode;
    }

    @Override
    public int check(AgentContext context, java.nio.file.Path recipe) {
        this.context = context;
        context.out().println("checked " + recipe.getFileName());
        return exitCode;
    }

    @Override
    public void stop() {
        stops.incrementAndGet();
        stopped.countDown();
    }

    boolean awaitStarted() throws InterruptedException {
        return started.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
