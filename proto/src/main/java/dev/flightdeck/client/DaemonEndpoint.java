package dev.flightdeck.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a running daemon listens and the token it wants, as written by the daemon to
 * {@code <data-dir>/daemon.json} (owner-readable only). The file is the daemon's handshake:
 * clients never need a port or token on their command line.
 */
public record DaemonEndpoint(String host, int port, String token, long pid, String version, Path dataDir) {

    public static final String INFO_FILE = "daemon.json";
    public static final String HOME_ENV = "FLIGHTDECK_HOME";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code $FLIGHTDECK_HOME}, else {@code ~/.flightdeck}. */
    public static Path defaultDataDir() {
        String home = System.getenv(HOME_ENV);
        if (home != null && !home.isBlank()) {
            return Path.of(home).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".flightdeck");
    }

    /**
     * The daemon serving {@code dataDir}, if its info file exists and names a live process.
     * A file left behind by a daemon that was killed is ignored (its pid is gone).
     *
     * @throws IllegalStateException when the file exists but cannot be read or parsed
     */
    public static Optional<DaemonEndpoint> discover(Path dataDir) {
        Path file = dataDir.resolve(INFO_FILE);
        JsonNode json;
        try {
            json = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (json == null || !json.hasNonNull("port") || !json.hasNonNull("token") || !json.hasNonNull("pid")) {
            throw new IllegalStateException(file + " is not a daemon info file (needs port, token and pid)");
        }
        long pid = json.get("pid").asLong();
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
            return Optional.empty();
        }
        return Optional.of(new DaemonEndpoint(
                json.path("host").asText("127.0.0.1"),
                json.get("port").asInt(),
                json.get("token").asText(),
                pid,
                json.path("version").asText(""),
                dataDir.toAbsolutePath()));
    }
}
