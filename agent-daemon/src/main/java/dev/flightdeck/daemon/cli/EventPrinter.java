package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.RunEventInfo;

import java.io.PrintWriter;
import java.util.Locale;

/** Prints run events one per line: sequence, step and the event's one-line summary, aligned. */
final class EventPrinter {
    private final PrintWriter out;

    EventPrinter(PrintWriter out) {
        this.out = out;
    }

    void print(RunEventInfo e) {
        out.println(format(e));
        out.flush();
    }

    static String format(RunEventInfo e) {
        String step = e.step() > 0 ? String.format(Locale.ROOT, "step %-3d", e.step()) : "        ";
        return String.format(Locale.ROOT, "%5d  %s %s", e.sequence(), step, e.summary());
    }
}
