package dev.flightdeck.client;

import java.time.Instant;

/**
 * A run and what its model calls in the asked range cost ({@code usage.priced()} false when any of
 * them was unpriced; the ranking then used the priced part).
 */
public record CostlyRunInfo(String runId, String tenant, String bundleName, String bundleVersion, RunState state,
                            Instant createdAt, long calls, UsageInfo usage, long unpricedCalls) {
}
