package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.run.RunRecord;

/** A started run; {@code existing} is true when the idempotency key matched an earlier run. */
public record StartedRun(RunRecord run, boolean existing) {
}
