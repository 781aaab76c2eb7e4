package io.opsagent.fsm.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SerialLaneTest {

    @Test
    void aSecondTaskWaitsUntilTheFirstHasFinished() throws Exception {
        SerialLane lane = new SerialLane("test-lane");
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch secondDone = new CountDownLatch(1);
        List<String> events = new CopyOnWriteArrayList<>();
        lane.submit(() -> {
            events.add("first started");
            firstRunning.countDown();
            await(releaseFirst);
            events.add("first finished");
        });
        assertThat(firstRunning.await(5, TimeUnit.SECONDS)).isTrue();
        lane.submit(() -> {
            events.add("second started");
            secondDone.countDown();
        });

        assertThat(lane.waiting()).isEqualTo(1);
        assertThat(events).containsExactly("first started");

        releaseFirst.countDown();
        assertThat(secondDone.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(events).containsExactly("first started", "first finished", "second started");
        Await.until(() -> lane.waiting() == 0, Duration.ofSeconds(5), "lane drained");
    }

    @Test
    void aFailingTaskDoesNotStopTheLane() throws Exception {
        SerialLane lane = new SerialLane("test-lane");
        CountDownLatch ran = new CountDownLatch(1);
        lane.submit(() -> {
            throw new IllegalStateException("boom");
        });
        lane.submit(ran::countDown);
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
