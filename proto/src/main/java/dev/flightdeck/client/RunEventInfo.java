package dev.flightdeck.client;

import java.time.Instant;

/**
 * One event of a run's history, flattened for display.
 *
 * @param type          the payload kind in snake case, e.g. {@code model_responded}
 * @param summary       one line for timelines and the CLI, e.g. {@code tool lookup_order → {"status":"shipped"}}
 * @param detailsJson   the typed payload as indented JSON (what the console's details pane shows)
 * @param canonicalJson the exact text the daemon hashed; {@link HashChain} verifies it
 * @param modelCall     tokens, cost and latency of a {@code model_responded} event; null for other events
 */
public record RunEventInfo(String runId, long sequence, Instant occurredAt, int step, String type, String summary,
                           String detailsJson, String prevHash, String hash, String canonicalJson,
                           boolean terminal, ModelCallInfo modelCall) {

    /** An event that is not a model call. */
    public RunEventInfo(String runId, long sequence, Instant occurredAt, int step, String type, String summary,
                        String detailsJson, String prevHash, String hash, String canonicalJson, boolean terminal) {
        this(runId, sequence, occurredAt, step, type, summary, detailsJson, prevHash, hash, canonicalJson, terminal,
                null);
    }
}
