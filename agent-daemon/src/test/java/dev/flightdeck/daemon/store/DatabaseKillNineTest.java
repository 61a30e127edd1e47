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
                writer.awaitLine("IDLE");
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
     * One writer process. Its output goes to a file, read after it died: a pipe read by a thread
     * can lose the last lines when the JDK drains it at process exit.
     */
    private record Writer(Process process, Path output) {
        static Writer start(Path db, boolean idle, int rows) throws IOException {
            Path output = Files.createTempFile(db.getParent(), "writer", ".out");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    JournalWriterProcess.class.getName(), db.toString(), idle ? "idle" : "stream", Integer.toString(rows))
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
            Await.until("the writer to open the database", Duration.ofSeconds(60),
                    () -> lines().stream().anyMatch(l -> l.startsWith("FOUND ")) || !process.isAlive());
            String line = lines().stream().filter(l -> l.startsWith("FOUND ")).findFirst()
                    .orElseThrow(() -> new AssertionError("the writer died before opening the database"));
            String[] maxAndCount = line.substring("FOUND ".length()).split(" ");
            assertThat(maxAndCount[1]).as("rows 1..max all present (no hole)").isEqualTo(maxAndCount[0]);
            return Long.parseLong(maxAndCount[0]);
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
