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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the real daemon ({@code FlightdeckCli daemon --port 0 --data-dir DIR}) as separate
 * processes on one data directory, with the test's class path, and waits for them to serve.
 * Each process's output goes to {@code <data-dir>-<n>.out}. {@link #close()} kills what is left.
 */
public final class DaemonProcesses implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final Map<String, String> environment;
    private final List<Process> processes = new ArrayList<>();
    private List<String> jvmOptions = List.of();

    public DaemonProcesses(Path dataDir) {
        this(dataDir, Map.of());
    }

    /** JVM options for the daemons started from now on, e.g. to start faster in a test that restarts often. */
    public DaemonProcesses withJvmOptions(String... options) {
        this.jvmOptions = List.of(options);
        return this;
    }

    /** @param environment extra environment variables for every daemon, e.g. a testing hook */
    public DaemonProcesses(Path dataDir, Map<String, String> environment) {
        this.dataDir = dataDir;
        this.environment = Map.copyOf(environment);
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Starts a daemon with {@code extraArgs} after the standard ones; returns at once. */
    public synchronized Process start(String... extraArgs) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "dev.flightdeck.daemon.cli.FlightdeckCli", "daemon", "--port", "0", "--data-dir", dataDir.toString()));
        command.addAll(List.of(extraArgs));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(outputFile(processes.size()).toFile());
        builder.environment().putAll(environment);
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    /** Starts a daemon and waits until it has published daemon.json and reports SERVING. */
    public Started startServing(String... extraArgs) throws IOException {
        Process p = start(extraArgs);
        return new Started(p, awaitServing(p));
    }

    /** A daemon process and the endpoint it published. */
    public record Started(Process process, DaemonEndpoint endpoint) {
    }

    public synchronized String output(Process p) throws IOException {
        return Files.readString(outputFile(processes.indexOf(p)), StandardCharsets.UTF_8);
    }

    /** Waits for {@code daemon} to publish daemon.json (with its own pid) and report SERVING. */
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
            } catch (RuntimeException e) {
                return false;
            }
        });
        return DaemonEndpoint.discover(dataDir).orElseThrow();
    }

    /** SIGKILL: no drain, no cleanup; returns once the process is gone. */
    public static void kill(Process daemon) throws InterruptedException {
        daemon.destroyForcibly();
        if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("pid " + daemon.pid() + " did not die of SIGKILL within 30 s");
        }
    }

    private Path outputFile(int index) {
        return dataDir.resolveSibling(dataDir.getFileName() + "-" + index + ".out");
    }

    private String safeOutput(Process p) {
        try {
            return output(p);
        } catch (IOException e) {
            return "(no output)";
        }
    }

    @Override
    public synchronized void close() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
