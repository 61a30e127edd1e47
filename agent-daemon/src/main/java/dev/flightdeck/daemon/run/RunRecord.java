package dev.flightdeck.daemon.run;

import dev.flightdeck.daemon.model.Usage;

import java.time.Instant;

/**
 * A run as stored: identity and inputs, plus a projection of its event log (status, totals,
 * last sequence and hash) that is updated in the same transaction as each event.
 *
 * @param idempotencyKey  "" when none
 * @param terminalReason  null until terminal
 * @param startedAt       null while queued
 * @param finishedAt      null until terminal
 * @param lastHash        hash of the event at {@code lastSequence} ("" before the first event)
 */
public record RunRecord(String runId, String bundleName, String bundleVersion, String tenant, String input,
                        String idempotencyKey, RunStatus status, TerminalReason terminalReason,
                        String statusMessage, String output, Instant createdAt, Instant startedAt,
                        Instant finishedAt, int stepCount, long lastSequence, String lastHash, Usage usage) {

    /** A new run, accepted and waiting for a worker. */
    public static RunRecord queued(String runId, String bundleName, String bundleVersion, String tenant, String input,
                                   String idempotencyKey, Instant createdAt) {
        return new RunRecord(runId, bundleName, bundleVersion, tenant, input, idempotencyKey, RunStatus.QUEUED, null,
                "", "", createdAt, null, null, 0, 0, "", Usage.ZERO);
    }

    public RunRecord withStatus(RunStatus newStatus, String message) {
        return new RunRecord(runId, bundleName, bundleVersion, tenant, input, idempotencyKey, newStatus,
                terminalReason, message, output, createdAt, startedAt, finishedAt, stepCount, lastSequence, lastHash,
                usage);
    }

    public RunRecord started(Instant at) {
        return new RunRecord(runId, bundleName, bundleVersion, tenant, input, idempotencyKey, RunStatus.RUNNING,
                terminalReason, "", output, createdAt, startedAt == null ? at : startedAt, finishedAt, stepCount,
                lastSequence, lastHash, usage);
    }

    public RunRecord finished(RunStatus terminal, TerminalReason reason, String message, String finalOutput, Instant at) {
        return new RunRecord(runId, bundleName, bundleVersion, tenant, input, idempotencyKey, terminal, reason,
                message, finalOutput, createdAt, startedAt, at, stepCount, lastSequence, lastHash, usage);
    }

    public RunRecord withStepCount(int steps) {
        return new RunRecord(runId, bundleName, bundleVersion, tenant, input, idempotencyKey, status, terminalReason,
                statusMessage, output, createdAt, startedAt, finishedAt, steps, lastSequence, lastHash, usage);
    }

    public RunRecord plusUsage(Usage more) {
        return new RunRecord(runId, bundleName, bundleVersion, tenant, input, idempotencyKey, status, terminalReason,
                statusMessage, output, createdAt, startedAt, finishedAt, stepCount, lastSequence, lastHash,
                usage.plus(more));
    }

    public RunRecord withLastEvent(long sequence, String hash) {
        return new RunRecord(runId, bundleName, bundleVersion, tenant, input, idempotencyKey, status, terminalReason,
                statusMessage, output, createdAt, startedAt, finishedAt, stepCount, sequence, hash, usage);
    }
}
