package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.run.RunRecord;

/**
 * Renders a bundle's system prompt template. Known placeholders: {@code {{tenant}}},
 * {@code {{run_id}}}, {@code {{bundle_name}}}; anything else is left as written. Deterministic,
 * so a resumed run renders the same prompt.
 */
final class SystemPrompt {
    private SystemPrompt() {
    }

    static String render(String template, RunRecord run) {
        if (template == null) {
            return "";
        }
        return template.replaceAll("\\{\\{\\s*tenant\\s*}}", java.util.regex.Matcher.quoteReplacement(run.tenant()))
                .replaceAll("\\{\\{\\s*run_id\\s*}}", java.util.regex.Matcher.quoteReplacement(run.runId()))
                .replaceAll("\\{\\{\\s*bundle_name\\s*}}", java.util.regex.Matcher.quoteReplacement(run.bundleName()));
    }
}
