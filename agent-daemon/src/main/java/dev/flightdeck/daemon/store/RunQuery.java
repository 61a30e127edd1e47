package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.run.RunStatus;

import java.util.Set;

/**
 * Which runs to list, newest first. Empty filters mean "any".
 *
 * @param beforeRunId keyset: only runs with an id below this ("" = from the newest)
 */
public record RunQuery(Set<RunStatus> statuses, String bundleName, String tenant, String beforeRunId, int limit) {
    public RunQuery {
        statuses = Set.copyOf(statuses);
    }
}
