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
 * Consecutive events of one run can share a transaction through a {@link Batch}.
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
        Batch batch = batch(run);
        batch.add(step, payload, approvalWrite);
        RunEventRecord event = batch.staged.get(0).event;
        return new Appended(event, batch.commit());
    }

    /** A batch of consecutive events of the run whose current row is {@code run}. */
    public Batch batch(RunRecord run) {
        return new Batch(run);
    }

    /** One staged event: what it writes and whom it tells once committed. */
    private record Staged(RunEventRecord event, EventPayload payload, RunRecord before, RunRecord after,
                          List<ApprovalWrite> writes, List<ApprovalRecord> closing, ModelCall call) {
    }

    /**
     * Consecutive events of one run that commit in ONE transaction (one journal record, one H2
     * commit, one update of the run row). Each {@link #add} chains the event onto the one before
     * (sequence, hash, run-row projection) in memory only: nothing staged exists for anyone
     * until {@link #commit} returns, and only then are watchers told, event by event, in order.
     * So a caller must commit before it acts on a staged event (persist before act, brief
     * invariant 1); a batch dropped without a commit leaves no trace. Not thread-safe: one run,
     * one driver.
     */
    public final class Batch {
        private RunRecord run;
        private final List<Staged> staged = new ArrayList<>();

        private Batch(RunRecord run) {
            this.run = run;
        }

        /** The run row after the last staged event (the committed row while nothing is staged). */
        public RunRecord run() {
            return run;
        }

        /** The event staged last (not yet committed), or null if nothing is staged. */
        public RunEventRecord lastStaged() {
            return staged.isEmpty() ? null : staged.get(staged.size() - 1).event;
        }

        public boolean isEmpty() {
            return staged.isEmpty();
        }

        /** Whether an event of {@code type} is staged. */
        public boolean holds(Class<? extends EventPayload> type) {
            return staged.stream().anyMatch(s -> type.isInstance(s.payload));
        }

        /**
         * Stages {@code payload} (and {@code approvalWrite}, may be null). A {@code run_finished}
         * event also closes the run's pending approvals.
         *
         * @return the run row after it
         */
        public RunRecord add(int step, EventPayload payload, ApprovalWrite approvalWrite) {
            // Millisecond precision: the stored timestamp and the hashed text must say the same instant.
            Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            long sequence = run.lastSequence() + 1;
            EventCodec.Encoded texts = codec.encode(run.runId(), sequence, step, at, payload);
            String hash = HashChain.hashOf(run.lastHash(), texts.canonicalJson());
            RunEventRecord event = new RunEventRecord(run.runId(), sequence, step, at, payload.type(),
                    texts.payloadJson(), texts.canonicalJson(), run.lastHash(), hash);
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
                    ? new ModelCall(run.runId(), sequence, run.tenant(), run.bundleName(), run.bundleVersion(),
                    r.provider(), r.model(), at, r.latencyMs(), r.usage())
                    : null;
            staged.add(new Staged(event, payload, run, updated, writes, closing, call));
            run = updated;
            return updated;
        }

        /**
         * Commits every staged event in one transaction, then tells watchers about each, in
         * order. Fails (changing nothing) if another writer appended to the run meanwhile.
         *
         * @return the committed run row
         */
        public RunRecord commit() {
            if (staged.isEmpty()) {
                return run;
            }
            List<RunEventRecord> events = new ArrayList<>();
            List<ApprovalWrite> writes = new ArrayList<>();
            List<ModelCall> calls = new ArrayList<>();
            for (Staged s : staged) {
                events.add(s.event);
                writes.addAll(s.writes);
                if (s.call != null) {
                    calls.add(s.call);
                }
            }
            EventLog.this.events.appendAll(events, run, writes, calls);
            // Only now, after the commit: a call whose transaction rolled back (append threw) is never counted.
            staged.forEach(EventLog.this::tell);
            staged.clear();
            return run;
        }
    }

    /** Tells watchers about one committed event and the approvals and run row it changed. */
    private void tell(Staged s) {
        if (s.call != null && costIndex != null) {
            costIndex.add(s.call);
        }
        feed.eventCommitted(s.event);
        if (approvals != null) {
            for (ApprovalWrite w : s.writes) {
                if (w instanceof ApprovalWrite.Insert i) {
                    approvals.find(i.approval().approvalId()).ifPresent(feed::approvalChanged);
                } else if (w instanceof ApprovalWrite.Decide d) {
                    approvals.find(d.approvalId()).ifPresent(feed::approvalChanged);
                }
            }
            s.closing.forEach(a -> approvals.find(a.approvalId()).ifPresent(feed::approvalChanged));
        }
        if (changedForWatchers(s.before, s.after)) {
            feed.runChanged(s.after);
        }
    }

    private static boolean changedForWatchers(RunRecord before, RunRecord after) {
        return before.status() != after.status() || before.stepCount() != after.stepCount()
                || !Objects.equals(before.usage(), after.usage()) || !Objects.equals(before.startedAt(), after.startedAt());
    }
}
