package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariant 1 at the storage level, against real processes: a writer commits rows one transaction
 * at a time and prints each id once its commit returned; it is killed with SIGKILL either while
 * committing or while idle after a few commits (the pattern in which H2 alone lost commits, see
 * docs/durability.md); the next writer opens the same files and reports what it found. Every
 * printed commit must be there, every time.
 */
class DatabaseKillNineTest {
    private static final int KILLS = Integer.getInteger("flightdeck.storage.kills", 24);

    @TempDir
    Path dir;

    @Test
    void everyCommitThatReturnedSurvivesKillNineOfTheWritingProcess() throws Exception {
        long seed = Long.getLong("flightdeck.crash.seed", System.nanoTime());
        Random rng = new Random(seed);
        long lastCommitted = 0;
        for (int kill = 1; kill <= KILLS; kill++) {
            boolean idle = rng.nextBoolean();
            Writer writer = Writer.start(dir.resolve("db"), idle, 1 + rng.nextInt(3));
            long found = writer.awaitFound();
            // The killed writer may have committed one more row than it managed to print.
            assertThat(found).as("rows found after kill %d (seed %d): the previous writer had committed up to %d",
                    kill - 1, seed, lastCommitted).isBetween(lastCommitted, lastCommitted + 1);
            if (idle) {
                writer.awaitLineStartingWith("IDLE");
            } else {
                int commits = 1 + rng.nextInt(400);
                writer.awaitLine("C " + (found + commits));
            }
            writer.kill();
            lastCommitted = writer.lastCommitted();
        }
        Writer last = Writer.start(dir.resolve("db"), true, 1);
        assertThat(last.awaitFound()).as("rows after the last kill (seed %d)", seed)
                .isBetween(lastCommitted, lastCommitted + 1);
        last.kill();
    }

    /**
     * The commit point is the journal (ADR 0013): H2 writes its file only at checkpoints. With
     * the timed and counted checkpoints held off, a writer commits {@code N} transactions, says
     * so with the last checkpoint it took (only H2's unsaved-memory guard can still cause one),
     * and is killed; H2's file holds nothing after that checkpoint, and the next open must bring
     * every later transaction back from the journal — exactly those.
     */
    @Test
    void commitsAfterTheLastCheckpointComeBackFromTheJournal() throws Exception {
        int rows = 500;
        Writer first = Writer.start(dir.resolve("db"), true, rows, "-Dflightdeck.db.checkpoint.ms=3600000",
                "-Dflightdeck.db.checkpoint.txs=1000000");
        assertThat(first.awaitFound()).isZero();
        long[] checkpointedAndLast = first.awaitIdleTxids();
        first.kill();
        assertThat(first.lastCommitted()).isEqualTo(rows);
        long afterCheckpoint = checkpointedAndLast[1] - checkpointedAndLast[0];
        assertThat(afterCheckpoint).as("transactions after the first writer's last checkpoint").isPositive();

        Writer second = Writer.start(dir.resolve("db"), true, 1);
        assertThat(second.awaitFound()).as("rows after the kill").isEqualTo(rows);
        assertThat(second.replayed()).as("transactions replayed from the journal").isEqualTo(afterCheckpoint);
        second.kill();
    }

    /**
     * One writer process. Its output goes to a file, read after it died: a pipe read by a thread
     * can lose the last lines when the JDK drains it at process exit.
     */
    private record Writer(Process process, Path output) {
        static Writer start(Path db, boolean idle, int rows, String... jvmOptions) throws IOException {
            Files.createDirectories(db.getParent());
            Path output = Files.createTempFile(db.getParent(), "writer", ".out");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
            command.addAll(List.of(jvmOptions));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    JournalWriterProcess.class.getName(), db.toString(), idle ? "idle" : "stream", Integer.toString(rows)));
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectOutput(output.toFile())
                    .start();
            return new Writer(p, output);
        }

        /** The complete lines printed so far (a line cut by the kill does not count). */
        List<String> lines() {
            try {
                String text = Files.readString(output, StandardCharsets.UTF_8);
                List<String> all = List.of(text.split("\n", -1));
                return all.subList(0, all.size() - 1); // after the last newline: empty, or a cut line
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        long awaitFound() {
            String[] maxAndCount = awaitLineStartingWith("FOUND ").substring("FOUND ".length()).split(" ");
            assertThat(maxAndCount[1]).as("rows 1..max all present (no hole)").isEqualTo(maxAndCount[0]);
            return Long.parseLong(maxAndCount[0]);
        }

        /** The transactions the writer's open replayed from the journal (after awaitFound). */
        int replayed() {
            return Integer.parseInt(awaitLineStartingWith("FOUND ").split(" ")[3]);
        }

        /** The last checkpointed and the last committed transaction the writer reported once idle. */
        long[] awaitIdleTxids() {
            String[] txids = awaitLineStartingWith("IDLE ").split(" ");
            return new long[]{Long.parseLong(txids[1]), Long.parseLong(txids[2])};
        }

        String awaitLineStartingWith(String prefix) {
            Await.until("the writer to print " + prefix + "...", Duration.ofSeconds(60),
                    () -> lines().stream().anyMatch(l -> l.startsWith(prefix)) || !process.isAlive());
            return lines().stream().filter(l -> l.startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("the writer died before printing " + prefix));
        }

        void awaitLine(String wanted) {
            Await.until("the writer to print " + wanted, Duration.ofSeconds(60),
                    () -> lines().contains(wanted) || !process.isAlive());
            assertThat(process.isAlive()).as("writer alive when it printed %s", wanted).isTrue();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        /** The last id whose commit returned before the kill. */
        long lastCommitted() {
            long last = 0;
            for (String l : lines()) {
                if (l.startsWith("C ") && l.length() > 2) {
                    last = Long.parseLong(l.substring(2));
                }
            }
            return last;
        }
    }
}
