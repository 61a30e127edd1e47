package dev.flightdeck.daemon.testing;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real daemon processes ({@code FlightdeckCli daemon}) on one data directory, for end-to-end tests
 * that stop, kill and restart the daemon. Each process's output goes to a file next to the data
 * directory; {@link #close()} kills whatever is still alive.
 */
public final class DaemonProcesses implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final List<Process> processes = new ArrayList<>();

    public DaemonProcesses(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** Starts a daemon on any free port; it is not serving yet (see {@link #awaitServing}). */
    public Process start() throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "dev.flightdeck.daemon.cli.FlightdeckCli", "daemon", "--port", "0", "--data-dir", dataDir.toString())
                .redirectErrorStream(true)
                .redirectOutput(outputFile(processes.size()).toFile());
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    /** Starts a daemon and waits until it serves; returns its endpoint. */
    public DaemonEndpoint startServing() throws IOException {
        return awaitServing(start());
    }

    /** Waits until {@code daemon} wrote daemon.json and answers health SERVING. */
    public DaemonEndpoint awaitServing(Process daemon) {
        Await.until("daemon.json of pid " + daemon.pid() + " and health SERVING", START_TIMEOUT, () -> {
            if (!daemon.isAlive()) {
                throw new AssertionError("the daemon exited with " + daemon.exitValue() + ": " + safeOutput(daemon));
            }
            var endpoint = DaemonEndpoint.discover(dataDir);
            if (endpoint.isEmpty() || endpoint.get().pid() != daemon.pid()) {
                return false;
            }
            try (DaemonClient client = DaemonClient.connect(endpoint.get())) {
                return client.isServing();
            }
        });
        return DaemonEndpoint.discover(dataDir).orElseThrow();
    }

    /** SIGKILL: no drain, no cleanup. Returns once the process is gone. */
    public void kill(Process daemon) throws InterruptedException {
        daemon.destroyForcibly();
        if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("daemon pid " + daemon.pid() + " did not die");
        }
    }

    /** Everything {@code p} printed. */
    public String output(Process p) throws IOException {
        return Files.readString(outputFile(processes.indexOf(p)), StandardCharsets.UTF_8);
    }

    private String safeOutput(Process p) {
        try {
            return output(p);
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private Path outputFile(int index) {
        return dataDir.resolveSibling(dataDir.getFileName() + "-" + index + ".out");
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
