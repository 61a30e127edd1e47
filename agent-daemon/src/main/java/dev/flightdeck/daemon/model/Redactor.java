package dev.flightdeck.daemon.model;

import java.util.List;

/**
 * Strips secret values from text that leaves a provider call (attempt errors, exception messages,
 * log lines): providers sometimes echo what they were sent, and invariant 4 says no secret value
 * appears in an event, a log line or an error.
 */
public final class Redactor {
    public static final String MASK = "[REDACTED]";
    public static final Redactor NONE = new Redactor(List.of());

    private final List<String> secrets;

    private Redactor(List<String> secrets) {
        this.secrets = secrets;
    }

    /** A redactor for one secret value (empty or null values redact nothing). */
    public static Redactor of(String secretValue) {
        return secretValue == null || secretValue.isEmpty() ? NONE : new Redactor(List.of(secretValue));
    }

    public String redact(String text) {
        if (text == null) {
            return "";
        }
        String out = text;
        for (String s : secrets) {
            out = out.replace(s, MASK);
        }
        return out;
    }
}
