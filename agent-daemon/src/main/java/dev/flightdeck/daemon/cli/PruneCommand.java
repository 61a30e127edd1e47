package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.PruneResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code flightdeck prune [--older-than 30d] [--dry-run]}: deletes old terminal runs. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Delete runs that ended (succeeded, failed or cancelled) longer ago than an age, with their events.",
                "Queued, running and waiting runs (including runs with a pending approval) are never deleted."})
final class PruneCommand implements Callable<Integer> {
    private static final Pattern AGE = Pattern.compile("([0-9]{1,10})([smhd])");

    @Option(names = "--older-than", paramLabel = "AGE",
            description = "Age such as 30d, 12h, 90m or 3600s (default: the daemon's retention.max_age_days).")
    String olderThan;

    @Option(names = "--dry-run", description = "Only show what would be deleted.")
    boolean dryRun;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        long seconds = olderThan == null ? 0 : seconds("--older-than", olderThan);
        PrintWriter out = spec.commandLine().getOut();
        try (DaemonClient client = dataDir.connect()) {
            PruneResult r = client.pruneRuns(seconds, dryRun);
            out.println((r.dryRun() ? "would delete " : "deleted ") + r.runCount() + (r.runCount() == 1 ? " run" : " runs")
                    + " with " + r.eventCount() + (r.eventCount() == 1 ? " event" : " events")
                    + " that ended before " + r.cutoff());
            if (r.dryRun()) {
                r.runIds().forEach(id -> out.println("  " + id));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** "30d" -> seconds; anything else is a usage error naming {@code option}. */
    static long seconds(String option, String age) {
        Matcher m = AGE.matcher(age.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new CliException(option + ": expected a positive age such as 30d, 12h, 90m or 3600s, got \""
                    + age + "\"", ExitCodes.USAGE);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "d" -> n * 86_400;
            case "h" -> n * 3_600;
            case "m" -> n * 60;
            default -> n;
        };
    }
}
