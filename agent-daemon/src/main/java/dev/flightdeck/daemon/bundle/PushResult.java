package dev.flightdeck.daemon.bundle;

/** Outcome of pushing a bundle: {@code created} false when identical content was already stored. */
public record PushResult(String name, String versionId, boolean created) {
}
