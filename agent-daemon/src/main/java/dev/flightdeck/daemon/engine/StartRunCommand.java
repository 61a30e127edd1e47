package dev.flightdeck.daemon.engine;

/**
 * A request to start a run.
 *
 * @param bundleReference {@code name} or {@code name@version}
 * @param tenant          "" means {@code default}
 * @param idempotencyKey  "" means none
 */
public record StartRunCommand(String bundleReference, String input, String tenant, String idempotencyKey) {
}
