package io.opsagent.fsm.transport;

import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/** A test backend's dispatcher that upgrades every request to a WebSocket and counts its text frames. */
final class FrameCountingDispatcher extends Dispatcher {

    private final AtomicInteger frames;

    private FrameCountingDispatcher(AtomicInteger frames) {
        this.frames = frames;
    }

    /** Counts every text frame a client sends into {@code frames}; answers a close with a close. */
    static Dispatcher countingInto(AtomicInteger frames) {
        return new FrameCountingDispatcher(frames);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {
            @Override
            public void onMessage(WebSocket ws, String text) {
                frames.incrementAndGet();
            }

            @Override
            public void onClosing(WebSocket ws, int code, String reason) {
                ws.close(1000, null);
            }
        }).build();
    }
}
