package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.Page;
import dev.flightdeck.client.RunFilter;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code flightdeck runs}: a table of runs, newest first. */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "List runs, newest first.")
final class RunsCommand implements Callable<Integer> {
    @Option(names = "--status", paramLabel = "S",
            description = "Only runs in this status (repeatable): ${COMPLETION-CANDIDATES}.",
            completionCandidates = Statuses.class, converter = StatusConverter.class)
    List<RunState> statuses = new ArrayList<>();

    @Option(names = "--bundle", paramLabel = "B", description = "Only runs of this bundle name.")
    String bundle;

    @Option(names = "--tenant", paramLabel = "T", description = "Only runs for this tenant.")
    String tenant;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
            description = "At most this many runs (default: ${DEFAULT-VALUE}).")
    int limit;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (limit < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be 1 or more, not " + limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        Set<RunState> states = statuses.isEmpty() ? Set.of() : EnumSet.copyOf(statuses);
        RunFilter filter = new RunFilter(states, bundle, tenant);
        List<RunInfo> runs = new ArrayList<>();
        try (DaemonClient client = dataDir.connect()) {
            String token = "";
            do {
                Page<RunInfo> page = client.listRuns(filter, Math.min(500, limit - runs.size()), token);
                runs.addAll(page.items());
                token = page.nextPageToken();
            } while (!token.isEmpty() && runs.size() < limit);
        }
        if (runs.isEmpty()) {
            out.println("no runs");
            out.flush();
            return ExitCodes.OK;
        }
        Instant now = Instant.now();
        Table t = new Table("RUN", "STATUS", "BUNDLE", "TENANT", "STARTED", "DURATION", "STEPS");
        for (RunInfo r : runs.subList(0, Math.min(limit, runs.size()))) {
            t.row(r.runId(), Formats.status(r), Formats.bundleRef(r), r.tenant(),
                    Formats.time(r.startedAt() != null ? r.startedAt() : r.createdAt()),
                    r.startedAt() == null ? "-" : Formats.duration(r.duration(now)), Integer.toString(r.stepCount()));
        }
        t.print(out);
        return ExitCodes.OK;
    }

    /** The statuses a user may filter by (UNKNOWN is the client's, not the daemon's). */
    static final class Statuses extends ArrayList<String> {
        Statuses() {
            for (RunState s : RunState.values()) {
                if (s != RunState.UNKNOWN) {
                    add(s.name());
                }
            }
        }
    }

    /** Accepts any case and '-' for '_': {@code succeeded}, {@code waiting-approval}. */
    static final class StatusConverter implements CommandLine.ITypeConverter<RunState> {
        @Override
        public RunState convert(String value) {
            String name = value.strip().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            try {
                RunState s = RunState.valueOf(name);
                if (s != RunState.UNKNOWN) {
                    return s;
                }
            } catch (IllegalArgumentException e) {
                // fall through
            }
            throw new CommandLine.TypeConversionException("unknown status \"" + value + "\"; expected one of "
                    + String.join(", ", new Statuses()));
        }
    }
}
