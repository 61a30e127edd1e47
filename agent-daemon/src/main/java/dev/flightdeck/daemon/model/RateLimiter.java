package dev.flightdeck.daemon.model;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client-side rate limits shared by every run of this daemon, per provider + base URL + model:
 * at most {@code requestsPerMinute} requests and {@code tokensPerMinute} tokens in any sliding
 * window (a minute in production). A call over the limit waits its turn (a timed task of the
 * {@link Sleeper}: no thread is held while it waits) instead of being sent and tripping a 429.
 *
 * <p>The usage is shared; each call is checked against the limits its own bundle configured. A
 * call's tokens are estimated before it is sent and corrected to the reported usage after.
 */
public final class RateLimiter {
    private final Clock clock;
    private final Sleeper sleeper;
    private final long windowMs;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    public RateLimiter(Clock clock, Sleeper sleeper) {
        this(clock, sleeper, Duration.ofMinutes(1));
    }

    /** @param window the sliding window the per-minute limits apply to (shorter only in tests) */
    public RateLimiter(Clock clock, Sleeper sleeper, Duration window) {
        this.clock = clock;
        this.sleeper = sleeper;
        this.windowMs = window.toMillis();
    }

    /** A place in the window: correct its tokens with {@link #settle} once the usage is known. */
    public static final class Permit {
        private final Window window;
        private final Entry entry;
        private final long waitedMs;

        private Permit(Window window, Entry entry, long waitedMs) {
            this.window = window;
            this.entry = entry;
            this.waitedMs = waitedMs;
        }

        /** How long the call waited for its turn. */
        public long waitedMs() {
            return waitedMs;
        }

        /** Replaces the estimate with the tokens the call really used. */
        public void settle(long actualTokens) {
            if (window != null) {
                synchronized (window) {
                    entry.tokens = actualTokens;
                }
            }
        }
    }

    private static final class Entry {
        final long at;
        long tokens;

        Entry(long at, long tokens) {
            this.at = at;
            this.tokens = tokens;
        }
    }

    private static final class Window {
        final Deque<Entry> entries = new ArrayDeque<>();
    }

    /**
     * A place in the window for a call of about {@code estimatedTokens}, once it fits the limits.
     * The future completes when the call may go; cancelling it gives up waiting (the place, if
     * already taken, is given back).
     */
    public CompletableFuture<Permit> acquire(String key, int requestsPerMinute, long tokensPerMinute,
                                             long estimatedTokens) {
        if (requestsPerMinute <= 0 && tokensPerMinute <= 0) {
            return CompletableFuture.completedFuture(new Permit(null, new Entry(0, 0), 0));
        }
        Window w = windows.computeIfAbsent(key, k -> new Window());
        CompletableFuture<Permit> result = new CompletableFuture<>();
        tryAcquire(w, requestsPerMinute, tokensPerMinute, estimatedTokens, 0, result);
        return result;
    }

    private void tryAcquire(Window w, int requestsPerMinute, long tokensPerMinute, long estimatedTokens, long waited,
                            CompletableFuture<Permit> result) {
        long wait;
        synchronized (w) {
            if (result.isDone()) {
                return; // given up
            }
            long now = clock.millis();
            while (!w.entries.isEmpty() && w.entries.peekFirst().at + windowMs <= now) {
                w.entries.pollFirst();
            }
            long tokens = w.entries.stream().mapToLong(e -> e.tokens).sum();
            boolean requestsFit = requestsPerMinute <= 0 || w.entries.size() < requestsPerMinute;
            // A call bigger than the whole token budget still runs, alone in its window.
            boolean tokensFit = tokensPerMinute <= 0 || w.entries.isEmpty() || tokens + estimatedTokens <= tokensPerMinute;
            if (requestsFit && tokensFit) {
                Entry e = new Entry(now, estimatedTokens);
                w.entries.addLast(e);
                if (!result.complete(new Permit(w, e, waited))) {
                    w.entries.remove(e); // cancelled meanwhile: give the place back
                }
                return;
            }
            wait = Math.max(1, w.entries.peekFirst().at + windowMs - now);
        }
        CompletableFuture<Void> turn = sleeper.after(wait);
        result.whenComplete((p, e) -> turn.cancel(false));
        turn.thenRun(() -> tryAcquire(w, requestsPerMinute, tokensPerMinute, estimatedTokens, waited + wait, result));
    }
}
