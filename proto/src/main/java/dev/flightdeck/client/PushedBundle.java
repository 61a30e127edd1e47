package dev.flightdeck.client;

/** Result of pushing a bundle: {@code created} false means identical content was already stored. */
public record PushedBundle(String name, String versionId, boolean created) {
}
