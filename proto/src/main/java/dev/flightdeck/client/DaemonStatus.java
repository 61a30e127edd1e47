package dev.flightdeck.client;

import java.time.Instant;

/** What the daemon says about itself (version, data dir, pid, start time). */
public record DaemonStatus(String version, String dataDir, long pid, Instant startedAt) {
}
