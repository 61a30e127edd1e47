package dev.flightdeck.client;

/** Result of starting a run: {@code existing} true means the idempotency key matched an earlier run. */
public record StartedRun(RunInfo run, boolean existing) {
}
