package dev.flightdeck.daemon.engine;

import dev.flightdeck.client.HashChain;
import dev.flightdeck.daemon.approval.ApprovalRecord;
import dev.flightdeck.daemon.approval.ApprovalWrite;
import dev.flightdeck.daemon.cost.CostIndex;
import dev.flightdeck.daemon.cost.ModelCall;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.store.ApprovalRepository;
import dev.flightdeck.daemon.store.RunEventRepository;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The single writer path of run history. Appends an event with the next gap-free sequence and
 * its hash-chain fields, updates the run row (and, for a model answer, writes its accounting row)
 * in the same transaction, and only after the commit tells live watchers. The database rejects a second writer racing on the same run.
 */
public final class EventLog {
    private final RunEventRepository events;
    private final EventCodec codec;
    private final RunFeed feed;
    private final Clock clock;
    private final ApprovalRepository approvals;
    private final CostIndex costIndex;

    public EventLog(RunEventRepository events, EventCodec codec, RunFeed feed, Clock clock) {
        this(events, null, codec, feed, clock);
    }

    /** @param approvals where approval rows are read back to tell watchers (null: no approvals) */
    public EventLog(RunEventRepository events, ApprovalRepository approvals, EventCodec codec, RunFeed feed,
                    Clock clock) {
        this(events, approvals, codec, feed, clock, null);
    }

    /** @param costIndex where committed model calls are counted for cost queries (null: nowhere) */
    public EventLog(RunEventRepository events, ApprovalRepository approvals, EventCodec codec, RunFeed feed,
                    Clock clock, CostIndex costIndex) {
        this.costIndex = costIndex;
        this.approvals = approvals;
        this.events = events;
        this.codec = codec;
        this.feed = feed;
        this.clock = clock;
    }

    /** What an append committed. */
    public record Appended(RunEventRecord event, RunRecord run) {
    }

    /**
     * Appends {@code payload} to the run whose current row is {@code run}.
     *
     * @return the committed event and the run row after it
     */
    public Appended append(RunRecord run, int step, EventPayload payload) {
        return append(run, step, payload, null);
    }

    /**
     * Appends {@code payload} and applies {@code approvalWrite} (may be null) in the same
     * transaction. A {@code run_finished} event also closes the run's pending approvals.
     */
    public Appended append(RunRecord run, int step, EventPayload payload, ApprovalWrite approvalWrite) {
        // Millisecond precision: the stored timestamp and the hashed text must say the same instant.
        Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        long sequence = run.lastSequence() + 1;
        String canonical = codec.canonicalJson(run.runId(), sequence, step, at, payload);
        String hash = HashChain.hashOf(run.lastHash(), canonical);
        RunEventRecord event = new RunEventRecord(run.runId(), sequence, step, at, payload.type(),
                codec.payloadJson(payload), canonical, run.lastHash(), hash);
        RunRecord updated = RunProjection.apply(run, step, payload, at).withLastEvent(sequence, hash);
        List<ApprovalWrite> writes = new ArrayList<>();
        if (approvalWrite != null) {
            writes.add(approvalWrite.at(at));
        }
        List<ApprovalRecord> closing = List.of();
        if (payload instanceof EventPayload.RunFinished f && approvals != null) {
            closing = approvals.pendingOf(run.runId());
            if (!closing.isEmpty()) {
                writes.add(new ApprovalWrite.CloseOpen(run.runId(), "the run ended " + f.status().name()
                        + " before a decision", at));
            }
        }
        ModelCall call = payload instanceof EventPayload.ModelResponded r
                ? new ModelCall(run.runId(), sequence, run.tenant(), run.bundleName(), run.bundleVersion(), r.provider(),
                r.model(), at, r.latencyMs(), r.usage())
                : null;
        events.append(event, updated, writes, call);
        // Only now, after the commit: a call whose transaction rolled back (append threw) is never counted.
        if (call != null && costIndex != null) {
            costIndex.add(call);
        }
        feed.eventCommitted(event);
        if (approvals != null) {
            if (approvalWrite instanceof ApprovalWrite.Insert i) {
                approvals.find(i.approval().approvalId()).ifPresent(feed::approvalChanged);
            } else if (approvalWrite instanceof ApprovalWrite.Decide d) {
                approvals.find(d.approvalId()).ifPresent(feed::approvalChanged);
            }
            closing.forEach(a -> approvals.find(a.approvalId()).ifPresent(feed::approvalChanged));
        }
        if (changedForWatchers(run, updated)) {
            feed.runChanged(updated);
        }
        return new Appended(event, updated);
    }

    private static boolean changedForWatchers(RunRecord before, RunRecord after) {
        return before.status() != after.status() || before.stepCount() != after.stepCount()
                || !Objects.equals(before.usage(), after.usage()) || !Objects.equals(before.startedAt(), after.startedAt());
    }
}
