package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.UsageInfo;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the CLI writes times, durations, money and runs. */
final class Formats {
    private static final DateTimeFormatter LOCAL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private Formats() {
    }

    /** Local date and time to the second, or "-" when not reached. */
    static String time(Instant t) {
        return t == null ? "-" : LOCAL_TIME.format(t);
    }

    /** {@code 850ms}, {@code 12.3s}, {@code 4m05s}, {@code 2h03m}. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** Dollars from micro-dollars, or "unpriced" when some model had no price (never $0 then). */
    static String cost(UsageInfo usage) {
        if (usage == null) {
            return "-";
        }
        if (!usage.priced()) {
            return "unpriced";
        }
        return String.format(Locale.ROOT, "$%.4f", usage.costMicros() / 1_000_000.0);
    }

    /** {@code name@0123456789ab}. */
    static String bundleRef(RunInfo run) {
        return run.bundleName() + "@" + run.shortVersion();
    }

    static String shortId(String versionId) {
        return versionId.length() > 12 ? versionId.substring(0, 12) : versionId;
    }

    /** The run's status with its terminal reason when that adds something, e.g. {@code FAILED (STEP_LIMIT)}. */
    static String status(RunInfo run) {
        String reason = run.terminalReason();
        if (reason == null || reason.isEmpty() || reason.equals("COMPLETED") || reason.equals("UNSPECIFIED")
                || reason.equals(run.state().name())) {
            return run.state().name();
        }
        return run.state().name() + " (" + reason + ")";
    }

    /** One line on how a terminal run ended: status, duration, steps, tokens and cost. */
    static String outcome(RunInfo run) {
        UsageInfo u = run.usage() != null ? run.usage() : UsageInfo.NONE;
        return "run " + run.runId() + " " + status(run) + " in " + duration(run.duration(Instant.now()))
                + ", " + run.stepCount() + (run.stepCount() == 1 ? " step, " : " steps, ")
                + u.totalTokens() + " tokens, " + cost(u);
    }
}
