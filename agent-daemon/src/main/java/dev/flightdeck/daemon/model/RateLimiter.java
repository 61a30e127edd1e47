package dev.flightdeck.daemon.model;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client-side rate limits shared by every run of this daemon, per provider + base URL + model:
 * at most {@code requestsPerMinute} requests and {@code tokensPerMinute} tokens in any sliding
 * window (a minute in production). A call over the limit waits its turn instead of being sent and
 * tripping a 429.
 *
 * <p>Waiting calls queue first come, first served per window: a call that arrives while others
 * wait queues behind them even if it would fit, so a stream of small calls cannot starve a big
 * one. The queue is drained by one timed task of the {@link Sleeper} per window, due when the
 * oldest place in the window expires: no thread is held while calls wait, and a thousand waiting
 * calls are one timer task. Waiters are admitted under the window's lock but their futures are
 * completed after it is released, so the continuation (sending the request) never runs under
 * the lock.
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

        /** How long the call waited for its turn, by the clock (not the waits that were planned). */
        public long waitedMs() {
            return waitedMs;
        }

        /** Replaces the estimate with the tokens the call really used. */
        public void settle(long actualTokens) {
            if (window != null) {
                synchronized (window) {
                    if (window.entries.contains(entry)) { // else already out of the window
                        window.tokens += actualTokens - entry.tokens;
                    }
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

    /** A call waiting for its turn, with the limits its own bundle configured. */
    private record Waiter(int requestsPerMinute, long tokensPerMinute, long estimatedTokens, long since,
                          long heldBackBefore, CompletableFuture<Permit> result) {
    }

    /**
     * An admission decided under the lock, completed after it.
     *
     * @param heldBack whether a drain left the call queued before this one admitted it: only then did
     *                 it wait its turn (a call let through at once records no wait, however slow the
     *                 machine was between its arrival and its admission)
     */
    private record Admission(Waiter waiter, Entry entry, boolean heldBack) {
    }

    private static final class Window {
        final Deque<Entry> entries = new ArrayDeque<>();
        final Deque<Waiter> waiting = new ArrayDeque<>();
        long tokens;
        /** The drain task's due time, or 0 when none is scheduled. */
        long drainDueAt;
        /** How many drains ended with calls still waiting: a waiter enqueued at an older count was held back. */
        long heldBackDrains;
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
        Waiter waiter;
        synchronized (w) {
            waiter = new Waiter(requestsPerMinute, tokensPerMinute, estimatedTokens, clock.millis(), w.heldBackDrains,
                    result);
            w.waiting.addLast(waiter);
        }
        // One hook per call: a call that gives up leaves the queue (a no-op once admitted), and
        // the calls behind it may now fit.
        result.whenComplete((p, e) -> {
            if (result.isCancelled()) {
                boolean wasWaiting;
                synchronized (w) {
                    wasWaiting = w.waiting.remove(waiter);
                }
                if (wasWaiting) {
                    drain(w);
                }
            }
        });
        drain(w);
        return result;
    }

    /** Admits waiters from the head of the queue while they fit, then schedules the next drain. */
    private void drain(Window w) {
        List<Admission> admitted = new ArrayList<>();
        long wait = 0;
        synchronized (w) {
            long now = clock.millis();
            while (!w.entries.isEmpty() && w.entries.peekFirst().at + windowMs <= now) {
                w.tokens -= w.entries.pollFirst().tokens;
            }
            while (!w.waiting.isEmpty()) {
                Waiter head = w.waiting.peekFirst();
                if (head.result().isDone()) {
                    w.waiting.pollFirst(); // gave up
                    continue;
                }
                if (!fits(w, head)) {
                    break;
                }
                w.waiting.pollFirst();
                Entry e = new Entry(now, head.estimatedTokens());
                w.entries.addLast(e);
                w.tokens += e.tokens;
                admitted.add(new Admission(head, e, head.heldBackBefore() != w.heldBackDrains));
            }
            if (!w.waiting.isEmpty()) {
                w.heldBackDrains++;
                long dueAt = w.entries.peekFirst().at + windowMs;
                if (w.drainDueAt == 0 || dueAt < w.drainDueAt) {
                    w.drainDueAt = dueAt;
                    wait = Math.max(1, dueAt - now);
                }
            }
        }
        boolean placeGivenBack = false;
        for (Admission a : admitted) {
            long waitedMs = a.heldBack() ? Math.max(0, clock.millis() - a.waiter().since()) : 0;
            Permit permit = new Permit(w, a.entry(), waitedMs);
            if (!a.waiter().result().complete(permit)) {
                // cancelled between admission and completion: give the place back
                synchronized (w) {
                    if (w.entries.remove(a.entry())) {
                        w.tokens -= a.entry().tokens;
                    }
                }
                placeGivenBack = true;
            }
        }
        if (wait > 0) {
            long dueAt;
            synchronized (w) {
                dueAt = w.drainDueAt;
            }
            sleeper.after(wait).thenRun(() -> {
                synchronized (w) {
                    if (w.drainDueAt == dueAt) {
                        w.drainDueAt = 0;
                    }
                }
                drain(w);
            });
        } else if (placeGivenBack) {
            drain(w);
        }
    }

    private boolean fits(Window w, Waiter c) {
        boolean requestsFit = c.requestsPerMinute() <= 0 || w.entries.size() < c.requestsPerMinute();
        // A call bigger than the whole token budget still runs, alone in its window.
        boolean tokensFit = c.tokensPerMinute() <= 0 || w.entries.isEmpty()
                || w.tokens + c.estimatedTokens() <= c.tokensPerMinute();
        return requestsFit && tokensFit;
    }
}
