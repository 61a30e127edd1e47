package dev.flightdeck.client;

import java.time.Duration;
import java.time.Instant;

/**
 * A run as the console and the CLI see it. Timestamps are null when not reached yet
 * ({@code startedAt} while queued, {@code finishedAt} until terminal).
 */
public record RunInfo(String runId, String bundleName, String bundleVersion, String tenant, String input,
                      String idempotencyKey, RunState state, String terminalReason, String statusMessage,
                      String output, Instant createdAt, Instant startedAt, Instant finishedAt, int stepCount,
                      long lastSequence, UsageInfo usage) {

    /** Time from start to finish, or to {@code now} while the run is still going; zero before it starts. */
    public Duration duration(Instant now) {
        if (startedAt == null) {
            return Duration.ZERO;
        }
        return Duration.between(startedAt, finishedAt != null ? finishedAt : now);
    }

    /** The first 12 characters of the bundle version id, as shown in tables. */
    public String shortVersion() {
        return bundleVersion.length() > 12 ? bundleVersion.substring(0, 12) : bundleVersion;
    }
}
