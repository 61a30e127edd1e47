package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.cost.CostIndex;
import dev.flightdeck.daemon.error.InvalidArgumentException;
import dev.flightdeck.daemon.store.RunRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes old runs: only terminal runs (SUCCEEDED, FAILED, CANCELLED) that finished before a
 * cutoff, each with all its events in one transaction. Queued, running and waiting runs (a run
 * with a pending approval is WAITING_APPROVAL) are never deleted.
 */
public final class RunRetention {
    private static final Logger LOG = LoggerFactory.getLogger(RunRetention.class);
    /** Longest age accepted: 100 years. */
    public static final Duration MAX_AGE = Duration.ofDays(36_500);
    private static final int BATCH = 500;
    private static final int MAX_IDS = 1000;

    private final RunRepository runs;
    private final Clock clock;
    private final Duration configuredMaxAge;
    private final CostIndex costIndex;

    /** @param configuredMaxAge {@code retention.max_age_days} of daemon.yaml; zero = keep forever */
    public RunRetention(RunRepository runs, Clock clock, Duration configuredMaxAge) {
        this(runs, clock, configuredMaxAge, null);
    }

    /** @param costIndex where a deleted run's model calls are removed from cost queries (null: none) */
    public RunRetention(RunRepository runs, Clock clock, Duration configuredMaxAge, CostIndex costIndex) {
        this.costIndex = costIndex;
        this.runs = runs;
        this.clock = clock;
        this.configuredMaxAge = configuredMaxAge;
    }

    /** The configured maximum age; zero when runs are kept forever. */
    public Duration configuredMaxAge() {
        return configuredMaxAge;
    }

    /**
     * The PruneRuns request: {@code olderThanSeconds} > 0, or 0 for the configured age.
     */
    public Pruned prune(long olderThanSeconds, boolean dryRun) {
        if (olderThanSeconds < 0) {
            throw new InvalidArgumentException("older_than_seconds: must be 0 (the configured retention) or more, got "
                    + olderThanSeconds);
        }
        if (olderThanSeconds == 0) {
            if (configuredMaxAge.isZero()) {
                throw new InvalidArgumentException("older_than_seconds: required, because the daemon keeps runs "
                        + "forever (no retention.max_age_days in daemon.yaml)");
            }
            return prune(configuredMaxAge, dryRun);
        }
        if (olderThanSeconds > MAX_AGE.toSeconds()) {
            throw new InvalidArgumentException("older_than_seconds: must be at most " + MAX_AGE.toSeconds()
                    + " (100 years), got " + olderThanSeconds);
        }
        return prune(Duration.ofSeconds(olderThanSeconds), dryRun);
    }

    /** The daily job: prunes with the configured age, if any. */
    public void pruneOnSchedule() {
        if (configuredMaxAge.isZero()) {
            return;
        }
        try {
            prune(configuredMaxAge, false);
        } catch (RuntimeException e) {
            LOG.error("scheduled pruning of old runs failed; it runs again tomorrow", e);
        }
    }

    /**
     * What a prune did (or, for a dry run, would do).
     *
     * @param runIds up to the first 1,000 ids of the runs deleted (or to delete), oldest first
     */
    public record Pruned(Instant cutoff, long runCount, long eventCount, List<String> runIds, boolean dryRun) {
    }

    /** Deletes terminal runs that finished more than {@code olderThan} ago; with {@code dryRun} only counts them. */
    public Pruned prune(Duration olderThan, boolean dryRun) {
        if (olderThan == null || olderThan.isZero() || olderThan.isNegative()) {
            throw new InvalidArgumentException("older_than_seconds: must be more than 0, got "
                    + (olderThan == null ? "nothing" : olderThan.toSeconds()));
        }
        if (olderThan.compareTo(MAX_AGE) > 0) {
            throw new InvalidArgumentException("older_than_seconds: must be at most " + MAX_AGE.toSeconds()
                    + " (100 years), got " + olderThan.toSeconds());
        }
        Instant cutoff = clock.instant().minus(olderThan);
        long runCount = 0;
        long eventCount = 0;
        List<String> ids = new ArrayList<>();
        if (dryRun) {
            for (String id : runs.terminalFinishedBefore(cutoff, Integer.MAX_VALUE)) {
                runCount++;
                eventCount += runs.eventCount(id);
                if (ids.size() < MAX_IDS) {
                    ids.add(id);
                }
            }
            return new Pruned(cutoff, runCount, eventCount, List.copyOf(ids), true);
        }
        while (true) {
            List<String> batch = runs.terminalFinishedBefore(cutoff, BATCH);
            boolean deletedAny = false;
            for (String id : batch) {
                RunRepository.Deleted d = runs.deleteTerminal(id, cutoff);
                if (d.deleted()) {
                    if (costIndex != null) {
                        costIndex.removeRun(id);
                    }
                    deletedAny = true;
                    runCount++;
                    eventCount += d.events();
                    if (ids.size() < MAX_IDS) {
                        ids.add(id);
                    }
                }
            }
            if (batch.size() < BATCH || !deletedAny) {
                break;
            }
        }
        if (runCount > 0) {
            LOG.info("pruned {} run(s) with {} event(s) that finished before {}", runCount, eventCount, cutoff);
        }
        return new Pruned(cutoff, runCount, eventCount, List.copyOf(ids), false);
    }
}
