package dev.flightdeck.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the daemon serving a data directory, or starts one as a background process that
 * outlives its starter (the console's "start a daemon" and {@code flightdeck demo}).
 *
 * <p>The daemon runs from the same Java runtime and class path as the caller, which is how the
 * installer ships the console, the daemon and the CLI: one runtime, one {@code lib/} of jars.
 */
public final class DaemonProcess {
    /** The class whose {@code main} is the {@code flightdeck} CLI (its {@code daemon} command runs a daemon). */
    public static final String CLI_MAIN_CLASS = "dev.flightdeck.daemon.cli.FlightdeckCli";
    /** Where a started daemon's stdout and stderr go (its logs proper go to {@code logs/}). */
    public static final String OUTPUT_FILE = "daemon.out";

    private DaemonProcess() {
    }

    /** The endpoint of a daemon that runs on {@code dataDir} and answers health, if any. */
    public static Optional<DaemonEndpoint> findServing(Path dataDir) {
        Optional<DaemonEndpoint> endpoint = DaemonEndpoint.discover(dataDir);
        if (endpoint.isEmpty()) {
            return Optional.empty();
        }
        try (DaemonClient client = DaemonClient.connect(endpoint.get())) {
            return client.isServing() ? endpoint : Optional.empty();
        }
    }

    /**
     * Returns the serving daemon on {@code dataDir}, starting one when none runs, and waits up
     * to {@code timeout} for it to answer health SERVING.
     *
     * @throws IllegalStateException with the daemon's own last output when it fails to start
     */
    public static DaemonEndpoint ensureRunning(Path dataDir, Duration timeout) {
        Optional<DaemonEndpoint> running = findServing(dataDir);
        if (running.isPresent()) {
            return running.get();
        }
        Process process = start(dataDir);
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                // Another starter may have won the race for the data directory: use its daemon.
                Optional<DaemonEndpoint> other = findServing(dataDir);
                if (other.isPresent()) {
                    return other.get();
                }
                throw new IllegalStateException("the daemon exited with code " + process.exitValue()
                        + " while starting: " + lastOutput(dataDir));
            }
            Optional<DaemonEndpoint> endpoint = DaemonEndpoint.discover(dataDir);
            if (endpoint.isPresent() && endpoint.get().pid() == process.pid()) {
                try (DaemonClient client = DaemonClient.connect(endpoint.get())) {
                    if (client.isServing()) {
                        return endpoint.get();
                    }
                }
            }
            pause();
        }
        throw new IllegalStateException("the daemon did not start within " + timeout.toSeconds()
                + " s; see " + dataDir.resolve(OUTPUT_FILE));
    }

    private static Process start(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(CLI_MAIN_CLASS);
            command.add("daemon");
            command.add("--data-dir");
            command.add(dataDir.toAbsolutePath().toString());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve(OUTPUT_FILE).toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
            return builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a daemon on " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static String lastOutput(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve(OUTPUT_FILE));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50); // polling a file and a port: there is no event to wait on across processes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the daemon", e);
        }
    }
}
