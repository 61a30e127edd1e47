package dev.flightdeck.daemon.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flightdeck.daemon.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shared client-side limits: who waits, how long, in what order, and what cancelling does. */
class RateLimiterTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-21T10:00:00Z"));
    private record Timer(long ms, CompletableFuture<Void> due) {
    }

    /** Waits the limiter asked for, fired by hand after moving the clock. */
    private final List<Timer> timers = new ArrayList<>();
    private final List<Long> waits = new ArrayList<>();
    private final RateLimiter limiter = new RateLimiter(clock, ms -> {
        waits.add(ms);
        Timer t = new Timer(ms, new CompletableFuture<>());
        timers.add(t);
        return t.due();
    });

    /** Moves the clock by the oldest pending wait and fires it. */
    private void fireNextTimer() {
        Timer next = timers.remove(0);
        clock.advance(Duration.ofMillis(next.ms()));
        next.due().complete(null);
    }

    @Test
    void aCallLetThroughAtOnceRecordsNoWaitEvenWhenTheClockMovesBeforeItIsAdmitted() {
        // A loaded machine: every reading of the clock is 3 ms after the one before.
        java.time.Clock slow = new java.time.Clock() {
            private long ms = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public synchronized Instant instant() {
                ms += 3;
                return Instant.ofEpochMilli(ms);
            }
        };
        RateLimiter onSlowMachine = new RateLimiter(slow, ms -> new CompletableFuture<>(), Duration.ofMinutes(1));

        assertThat(onSlowMachine.acquire("k", 2, 0, 10).join().waitedMs()).isZero();
        assertThat(onSlowMachine.acquire("k", 2, 0, 10).join().waitedMs()).isZero();
        assertThat(onSlowMachine.acquire("k", 2, 0, 10)).as("the third waits its turn").isNotDone();
    }

    @Test
    void aCallOverTheRequestLimitWaitsForTheOldestRequestToLeaveTheWindowAndReportsTheRealWait() {
        assertThat(limiter.acquire("k", 2, 0, 10).join().waitedMs()).isZero();
        clock.advance(Duration.ofSeconds(10));
        assertThat(limiter.acquire("k", 2, 0, 10).join().waitedMs()).isZero();

        CompletableFuture<RateLimiter.Permit> third = limiter.acquire("k", 2, 0, 10);

        assertThat(third).isNotDone();
        assertThat(waits).containsExactly(50_000L);
        fireNextTimer();
        assertThat(third.join().waitedMs()).isEqualTo(50_000);
    }

    @Test
    void tokensAreCorrectedToTheReportedUsage() {
        RateLimiter.Permit big = limiter.acquire("t", 0, 1000, 600).join();
        big.settle(900); // the call really used 900 of the 1,000 per minute

        CompletableFuture<RateLimiter.Permit> next = limiter.acquire("t", 0, 1000, 200);

        assertThat(next).isNotDone();
        assertThat(waits).containsExactly(60_000L);
        fireNextTimer();
        assertThat(next.join().waitedMs()).isEqualTo(60_000);
    }

    @Test
    void waitingCallsGoFirstComeFirstServedSoSmallCallsCannotStarveABigOne() {
        limiter.acquire("t", 0, 1000, 900).join();
        CompletableFuture<RateLimiter.Permit> big = limiter.acquire("t", 0, 1000, 800);
        // would fit next to the first call, but the big one waits ahead of it
        CompletableFuture<RateLimiter.Permit> small = limiter.acquire("t", 0, 1000, 50);

        assertThat(big).isNotDone();
        assertThat(small).isNotDone();
        fireNextTimer();
        assertThat(big).isDone();
        assertThat(small).as("admitted with the big one: 850 of 1,000").isDone();
    }

    @Test
    void manyWaitingCallsShareOneTimerTask() {
        limiter.acquire("k", 1, 0, 1).join();
        List<CompletableFuture<RateLimiter.Permit>> waiting = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            waiting.add(limiter.acquire("k", 1, 0, 1));
        }

        assertThat(timers).hasSize(1);
        fireNextTimer();
        assertThat(waiting.get(0)).isDone();
        assertThat(waiting.subList(1, 100)).noneMatch(CompletableFuture::isDone);
        assertThat(timers).as("the next turn is one task again").hasSize(1);
    }

    @Test
    void cancellingAWaitingCallLetsTheNextOneTakeItsTurn() {
        limiter.acquire("k", 1, 0, 1).join();
        CompletableFuture<RateLimiter.Permit> gaveUp = limiter.acquire("k", 1, 0, 1);
        CompletableFuture<RateLimiter.Permit> patient = limiter.acquire("k", 1, 0, 1);

        gaveUp.cancel(false);
        fireNextTimer();

        assertThat(patient).isDone();
        CompletableFuture<RateLimiter.Permit> after = limiter.acquire("k", 1, 0, 1);
        assertThat(after).as("the cancelled call took no place in the window").isNotDone();
    }

    @Test
    void theCallThatMayGoContinuesWithoutTheWindowLockHeld() throws Exception {
        RateLimiter.Permit first = limiter.acquire("k", 1, 0, 1).join();
        CompletableFuture<RateLimiter.Permit> second = limiter.acquire("k", 1, 0, 1);
        CompletableFuture<Boolean> otherThreadGotIn = new CompletableFuture<>();
        // The continuation (in production: sending the request) waits for another thread that
        // needs the same window. Completed under the window's lock, that thread could not get in.
        second.thenRun(() -> {
            Thread other = new Thread(() -> first.settle(1));
            other.start();
            try {
                other.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            otherThreadGotIn.complete(!other.isAlive());
        });

        fireNextTimer();

        assertThat(otherThreadGotIn.get(30, TimeUnit.SECONDS)).isTrue();
    }
}
