package dev.flightdeck.daemon.cost;

import dev.flightdeck.daemon.model.Usage;
import dev.flightdeck.daemon.run.RunStatus;

import java.time.Instant;

/** A run and what its model calls in a time range cost (priced false if any was unpriced). */
public record CostlyRun(String runId, String tenant, String bundleName, String bundleVersion, RunStatus status,
                        Instant createdAt, long calls, Usage usage, long unpricedCalls) {
}
