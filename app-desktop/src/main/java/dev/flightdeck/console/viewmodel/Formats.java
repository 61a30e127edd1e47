package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.RunState;
import dev.flightdeck.client.UsageInfo;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How values read on screen. Pure functions, shared by views and view models. */
public final class Formats {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final DateTimeFormatter TIME_MILLIS = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("MMM d, HH:mm:ss", Locale.ENGLISH);
    private static final DateTimeFormatter FULL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS xxx");

    private Formats() {
    }

    /** "1.4 s", "2 m 05 s", "1 h 02 m"; "—" when not started. */
    public static String duration(Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            return "—";
        }
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = d.toSeconds();
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d m %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d m", s / 3600, (s % 3600) / 60);
    }

    /** Time of day when today, else date and time; "—" when null. */
    public static String started(Instant at, ZoneId zone, LocalDate today) {
        if (at == null) {
            return "—";
        }
        ZonedDateTime t = at.atZone(zone);
        return t.toLocalDate().equals(today) ? TIME.format(t) : DATE_TIME.format(t);
    }

    public static String timeOfDay(Instant at, ZoneId zone) {
        return at == null ? "—" : TIME_MILLIS.format(at.atZone(zone));
    }

    public static String timestamp(Instant at, ZoneId zone) {
        return at == null ? "—" : FULL.format(at.atZone(zone));
    }

    public static String tokens(UsageInfo usage) {
        return usage == null ? "0" : String.format(Locale.ENGLISH, "%,d", usage.totalTokens());
    }

    /** "$0.0123", or "unpriced" when some model had no price (never $0). */
    public static String cost(UsageInfo usage) {
        if (usage == null) {
            return "—";
        }
        if (!usage.priced()) {
            return "unpriced";
        }
        return money(usage.costMicros());
    }

    /**
     * Like {@link #cost} but keeps what is known of a partly unpriced total: "$1.2346 + unpriced";
     * "unpriced" when nothing was priced.
     */
    public static String costSoFar(UsageInfo usage) {
        if (usage == null || usage.priced() || usage.costMicros() == 0) {
            return cost(usage);
        }
        return money(usage.costMicros()) + " + unpriced";
    }

    /** Micro-dollars on screen: "$0.0012", "$1,234.5678" (four places; exact figures are in exports). */
    public static String money(long micros) {
        return String.format(Locale.ENGLISH, "$%,.4f", micros / 1_000_000.0);
    }

    /** Micro-dollars as exact decimal dollars with six places, for files: "1.234567", "0.000100". */
    public static String dollars(long micros) {
        return java.math.BigDecimal.valueOf(micros, 6).toPlainString();
    }

    /** One model call in a timeline: "1,234 tok · $0.0012 · 850 ms" ("unpriced" when it had no price). */
    public static String callUsage(dev.flightdeck.client.ModelCallInfo call) {
        return count(call.usage().totalTokens()) + " tok · " + cost(call.usage()) + " · "
                + duration(Duration.ofMillis(Math.max(call.latencyMs(), 1)));
    }

    /** "1,234". */
    public static String count(long n) {
        return String.format(Locale.ENGLISH, "%,d", n);
    }

    /** Model latency: "850 ms", "1.2 s"; "—" when there were no calls. */
    public static String latency(long ms, long calls) {
        return calls == 0 ? "—" : duration(Duration.ofMillis(Math.max(ms, 1)));
    }

    /** "Succeeded", "Waiting approval". */
    public static String state(RunState state) {
        String s = state.name().replace('_', ' ').toLowerCase(Locale.ROOT);
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** "model_responded" → "Model responded". */
    public static String eventType(String type) {
        if (type == null || type.isEmpty()) {
            return "";
        }
        String s = type.replace('_', ' ');
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** A short hash for tables: the first 12 characters. */
    public static String shortHash(String hash) {
        return hash == null || hash.isEmpty() ? "—" : hash.length() > 12 ? hash.substring(0, 12) + "…" : hash;
    }

    /** "Approved", "Approved with edits", "Rejected", …; "Closed" for an approval its run outlived. */
    public static String decision(dev.flightdeck.client.ApprovalInfo a) {
        if (a.state() == dev.flightdeck.client.ApprovalState.CLOSED) {
            return "Closed";
        }
        if (a.decision() == null) {
            return "Pending";
        }
        return switch (a.decision()) {
            case APPROVE -> "Approved";
            case APPROVE_WITH_EDITS -> "Approved with edits";
            case REJECT -> "Rejected";
            case RETRY -> "Retried";
            case RECORD_RESULT -> "Result recorded";
            case FAIL_RUN -> "Run failed";
        };
    }
}
