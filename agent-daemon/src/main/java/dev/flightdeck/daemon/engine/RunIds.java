package dev.flightdeck.daemon.engine;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * Time-ordered run ids: {@code run-} + 11 hex digits of epoch milliseconds + 4 hex digits of a
 * counter within the millisecond + 4 random hex digits. Sorting ids sorts runs by creation
 * (within this daemon), which lets listings page by id.
 */
public final class RunIds {
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private long lastMillis;
    private int counter;

    public RunIds(Clock clock) {
        this.clock = clock;
    }

    public synchronized String next() {
        long now = clock.millis();
        if (now > lastMillis) {
            lastMillis = now;
            counter = 0;
        } else if (++counter > 0xffff) {
            lastMillis++; // more than 65536 ids in one millisecond: borrow from the next one
            counter = 0;
        }
        return String.format("run-%011x%04x%04x", lastMillis, counter, random.nextInt(0x10000));
    }
}
