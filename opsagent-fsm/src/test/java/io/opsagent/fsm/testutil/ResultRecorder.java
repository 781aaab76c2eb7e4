package io.opsagent.fsm.testutil;

import io.opsagent.fsm.spi.StateExecutor.StateCallback;
import io.opsagent.fsm.spi.StateResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** A callback that records the result and how many times it was called. */
public final class ResultRecorder implements StateCallback {

    private final CompletableFuture<StateResult> result = new CompletableFuture<>();
    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public void completed(StateResult r) {
        calls.incrementAndGet();
        result.complete(r);
    }

    /** The result, waiting at most {@code limit}. */
    public StateResult await(Duration limit) {
        try {
            return result.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + limit.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }

    /** The result, waiting at most 30 s. */
    public StateResult await() {
        return await(Duration.ofSeconds(30));
    }

    public boolean isDone() {
        return result.isDone();
    }

    public int calls() {
        return calls.get();
    }
}
