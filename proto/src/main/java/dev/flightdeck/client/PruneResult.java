package dev.flightdeck.client;

import java.time.Instant;
import java.util.List;

/**
 * What PruneRuns deleted (or, for a dry run, would delete).
 *
 * @param cutoff     runs that finished before this instant
 * @param runCount   runs deleted (or to delete)
 * @param eventCount their events
 * @param runIds     the first (up to 1000) run ids, oldest first
 */
public record PruneResult(Instant cutoff, long runCount, long eventCount, List<String> runIds, boolean dryRun) {
}
