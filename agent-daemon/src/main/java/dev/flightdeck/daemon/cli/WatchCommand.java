package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.RunInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code flightdeck watch RUN_ID [--after N]}: follows a run from a sequence until it ends. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Print a run's events (history, then live) until the run ends.",
                "Exits 0 when the run SUCCEEDED."})
final class WatchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run to follow.")
    String runId;

    @Option(names = "--after", paramLabel = "N", defaultValue = "0",
            description = "Start after this sequence number (default: ${DEFAULT-VALUE}, the whole history).")
    long after;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (after < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--after must be 0 or more, not " + after);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (DaemonClient client = dataDir.connect()) {
            RunInfo ended = new RunFollower(client).follow(runId, after, new EventPrinter(out)::print);
            return RunOutcome.report(ended, out, spec.commandLine());
        }
    }
}
