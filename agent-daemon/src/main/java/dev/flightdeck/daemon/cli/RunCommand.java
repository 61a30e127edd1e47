package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.StartedRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code flightdeck run BUNDLE --input TEXT}: starts a run, and with {@code --follow} prints it to the end. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Start a run of a bundle and print its id.",
                "With --follow, print its events until it ends; exit 0 only when it SUCCEEDED."})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BUNDLE", description = "The bundle: NAME (latest version) or NAME@VERSION.")
    String bundle;

    @Option(names = "--input", required = true, paramLabel = "TEXT", description = "The input given to the agent.")
    String input;

    @Option(names = "--tenant", paramLabel = "T", description = "Who the run is for (default: the daemon's default tenant).")
    String tenant;

    @Option(names = "--idempotency-key", paramLabel = "K",
            description = "Makes retries safe: the same key and tenant return the run the first call started.")
    String idempotencyKey;

    @Option(names = {"-f", "--follow"}, description = "Print the run's events until it ends.")
    boolean follow;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (DaemonClient client = dataDir.connect()) {
            StartedRun started = client.startRun(bundle, input, tenant, idempotencyKey);
            RunInfo run = started.run();
            if (started.existing()) {
                out.println("existing run " + run.runId() + " (" + Formats.bundleRef(run) + ", " + Formats.status(run)
                        + "): the idempotency key matched it");
            } else {
                out.println("started run " + run.runId() + " (" + Formats.bundleRef(run) + ", tenant " + run.tenant() + ")");
            }
            out.flush();
            if (!follow) {
                return ExitCodes.OK;
            }
            EventPrinter printer = new EventPrinter(out);
            RunInfo ended = new RunFollower(client).follow(run.runId(), 0, printer::print);
            return RunOutcome.report(ended, out, spec.commandLine());
        }
    }
}
