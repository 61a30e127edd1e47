package dev.flightdeck.client;

/**
 * A daemon call failed. {@code code} is the gRPC status code name (e.g. {@code NOT_FOUND},
 * {@code INVALID_ARGUMENT}, {@code UNAVAILABLE}); the message is the daemon's own sentence,
 * fit to show a user as it is.
 */
public final class DaemonCallException extends RuntimeException {
    private final String code;

    public DaemonCallException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** True when the daemon could not be reached at all (not running, restarting, wrong port). */
    public boolean isUnavailable() {
        return "UNAVAILABLE".equals(code) || "DEADLINE_EXCEEDED".equals(code);
    }
}
