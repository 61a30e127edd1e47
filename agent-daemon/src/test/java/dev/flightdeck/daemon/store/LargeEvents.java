package dev.flightdeck.daemon.store;

import dev.flightdeck.client.HashChain;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Events whose texts sit just under, at and just over {@link RunEventRepository#INLINE_MAX_CHARS},
 * hash-chained like real ones, for {@link LargeEventTextTest} and {@link LargeEventWriterProcess}.
 * The texts mix in two-byte and surrogate-pair characters, so a limit counted in bytes or code
 * points instead of UTF-16 units would show.
 */
final class LargeEvents {
    static final Instant T0 = Instant.parse("2026-11-21T12:00:00.123Z");
    static final String VERSION = "b".repeat(64);
    static final String RUN = "run-large";

    private LargeEvents() {
    }

    /** Payload length, canonical length: both inline; payload inline and canonical over; both over. */
    private static final int[][] SIZES = {
            {RunEventRepository.INLINE_MAX_CHARS - 100, RunEventRepository.INLINE_MAX_CHARS},
            {RunEventRepository.INLINE_MAX_CHARS, RunEventRepository.INLINE_MAX_CHARS + 1},
            {RunEventRepository.INLINE_MAX_CHARS + 1, RunEventRepository.INLINE_MAX_CHARS + 2},
            {200, 300},
    };

    static void storeRun(Database db) {
        new BundleRepository(db).insertIfAbsent(VERSION, "large", "desc", "name: large\n", "{}", T0);
        new RunRepository(db).insert(RunRecord.queued(RUN, "large", VERSION, "acme", "input", "", T0));
    }

    /** The events, chained from the run's first one. */
    static List<RunEventRecord> events() {
        List<RunEventRecord> out = new ArrayList<>();
        String prev = "";
        for (int i = 0; i < SIZES.length; i++) {
            long sequence = i + 1;
            String payload = text(SIZES[i][0], (char) ('a' + i));
            String canonical = text(SIZES[i][1], (char) ('k' + i));
            String hash = HashChain.hashOf(prev, canonical);
            out.add(new RunEventRecord(RUN, sequence, 1, T0.plusMillis(sequence), "tool_call_finished", payload,
                    canonical, prev, hash));
            prev = hash;
        }
        return out;
    }

    /** Appends {@code events} one transaction each, as the engine's single appends do. */
    static void append(Database db, List<RunEventRecord> events) {
        RunRepository runs = new RunRepository(db);
        RunEventRepository repo = new RunEventRepository(db);
        for (RunEventRecord e : events) {
            RunRecord run = runs.find(RUN).orElseThrow();
            repo.append(e, run.withLastEvent(e.sequence(), e.hash()));
        }
    }

    /** {@code length} UTF-16 units: a JSON string of filler with "é" and "😀" (a surrogate pair) in it. */
    private static String text(int length, char filler) {
        StringBuilder b = new StringBuilder(length).append("\"é😀");
        while (b.length() < length - 1) {
            b.append(filler);
        }
        return b.append('"').toString();
    }
}
