package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.run.RunEventRecord;

import java.util.List;

/** A page of a run's history; {@code hasMore} when later events already exist. */
public record HistoryPage(List<RunEventRecord> events, boolean hasMore) {
}
