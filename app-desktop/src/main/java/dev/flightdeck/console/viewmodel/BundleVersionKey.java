package dev.flightdeck.console.viewmodel;

/**
 * A bundle version as the daemon's cost groups name it, {@code name@version}, split once for every
 * screen that needs its parts.
 *
 * @param name    the bundle name ("support-refund")
 * @param version the version id, empty when the key has no {@code @}
 */
public record BundleVersionKey(String name, String version) {

    /** "support-refund@3f2a…" → (support-refund, 3f2a…); the last {@code @} splits (names may hold one). */
    public static BundleVersionKey parse(String key) {
        int at = key.lastIndexOf('@');
        return at < 0 ? new BundleVersionKey(key, "") : new BundleVersionKey(key.substring(0, at), key.substring(at + 1));
    }
}
