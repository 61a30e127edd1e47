package dev.flightdeck.daemon.api;

import java.nio.file.Path;
import java.time.Instant;

/** Facts about the running daemon that GetDaemonInfo reports. */
public record DaemonFacts(String version, Path dataDir, long pid, Instant startedAt) {
}
