package dev.flightdeck.daemon.engine;

import dev.flightdeck.client.HashChain;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.store.RunEventRepository;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The single writer path of run history. Appends an event with the next gap-free sequence and
 * its hash-chain fields, updates the run row in the same transaction, and only after the commit
 * tells live watchers. The database rejects a second writer racing on the same run.
 */
public final class EventLog {
    private final RunEventRepository events;
    private final EventCodec codec;
    private final RunFeed feed;
    private final Clock clock;

    public EventLog(RunEventRepository events, EventCodec codec, RunFeed feed, Clock clock) {
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
        // Millisecond precision: the stored timestamp and the hashed text must say the same instant.
        Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        long sequence = run.lastSequence() + 1;
        String canonical = codec.canonicalJson(run.runId(), sequence, step, at, payload);
        String hash = HashChain.hashOf(run.lastHash(), canonical);
        RunEventRecord event = new RunEventRecord(run.runId(), sequence, step, at, payload.type(),
                codec.payloadJson(payload), canonical, run.lastHash(), hash);
        RunRecord updated = RunProjection.apply(run, step, payload, at).withLastEvent(sequence, hash);
        events.append(event, updated);
        feed.eventCommitted(event);
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
