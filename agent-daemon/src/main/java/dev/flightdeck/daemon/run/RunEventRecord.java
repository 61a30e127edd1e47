package dev.flightdeck.daemon.run;

import java.time.Instant;

/**
 * One committed entry of a run's history, as stored.
 *
 * @param type          snake_case event type, e.g. {@code model_responded}
 * @param payloadJson   the payload object as JSON (snake_case fields)
 * @param canonicalJson what the hash covers: run_id, sequence, step, occurred_at, type, payload;
 *                      keys sorted, no whitespace
 * @param hash          lowercase hex SHA-256 of {@code prevHash + "\n" + canonicalJson}
 */
public record RunEventRecord(String runId, long sequence, int step, Instant occurredAt, String type,
                             String payloadJson, String canonicalJson, String prevHash, String hash) {

    public static final String RUN_FINISHED = "run_finished";

    public boolean isRunFinished() {
        return RUN_FINISHED.equals(type);
    }
}
