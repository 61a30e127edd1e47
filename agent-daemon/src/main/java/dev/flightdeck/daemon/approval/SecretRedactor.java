package dev.flightdeck.daemon.approval;

/**
 * Removes secret values from JSON shown to reviewers and clients. The seam where secret handles
 * ({@code secret:NAME}) will be redacted once secrets exist; today nothing in tool arguments is
 * a resolved secret, so {@link #NONE} passes text through.
 */
@FunctionalInterface
public interface SecretRedactor {
    SecretRedactor NONE = json -> json;

    /** {@code json} with every secret value replaced; null or empty stays as is. */
    String redactJson(String json);
}
