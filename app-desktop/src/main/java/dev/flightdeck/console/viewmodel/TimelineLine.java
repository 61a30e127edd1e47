package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.ModelCallInfo;
import dev.flightdeck.client.RunEventInfo;

/**
 * What the Run screen's timeline shows for one event: a headline and, for a model call, its
 * tokens, cost and latency as a column of their own.
 *
 * @param headline the event in one line; for a model call without the usage the column shows
 * @param usage    "1,234 tok · $0.0012 · 850 ms" for a model call; empty for other events
 */
public record TimelineLine(String headline, String usage) {

    public static TimelineLine of(RunEventInfo e) {
        ModelCallInfo call = e.modelCall();
        return call == null ? new TimelineLine(e.summary(), "")
                : new TimelineLine(withoutUsage(e.summary(), call), Formats.callUsage(call));
    }

    /**
     * The shared one-line summary ends a model call with " [N tokens, M ms]", built from the same
     * call: that exact tail is dropped (it would repeat the usage column). A summary clipped
     * before its tail is kept whole.
     */
    static String withoutUsage(String summary, ModelCallInfo call) {
        String tail = " [" + (call.usage().inputTokens() + call.usage().outputTokens()) + " tokens, "
                + call.latencyMs() + " ms]";
        return summary.endsWith(tail) ? summary.substring(0, summary.length() - tail.length()) : summary;
    }
}
