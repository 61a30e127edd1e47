package dev.flightdeck.client;

/**
 * A daemon call failed. {@code code} is the gRPC status code name (e.g. {@code NOT_FOUND},
 * {@code INVALID_ARGUMENT}, {@code UNAVAILABLE}); the message is the daemon's own sentence,
 * fit to show a user as it is.
 */
public final class DaemonCallException extends RuntimeException {
    /**
     * How the daemon's UNAVAILABLE answer to a cost query begins while its cost index is still
     * loading at start (seconds per million calls): the daemon is up, the query is worth asking
     * again. The daemon's own copy is CostIndex.LOADING; a daemon test checks the two are equal.
     */
    public static final String COST_INDEX_LOADING = "the cost index is still loading";

    private final String code;

    public DaemonCallException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }

    /**
     * True when the daemon could not be reached at all (not running, restarting, wrong port) — or
     * answered UNAVAILABLE itself; {@link #isCostIndexLoading()} tells one such answer apart.
     */
    public boolean isUnavailable() {
        return "UNAVAILABLE".equals(code) || "DEADLINE_EXCEEDED".equals(code);
    }

    /** True for the running daemon's answer that its cost index is still loading ({@link #COST_INDEX_LOADING}). */
    public boolean isCostIndexLoading() {
        return "UNAVAILABLE".equals(code) && getMessage() != null && getMessage().startsWith(COST_INDEX_LOADING);
    }
}
