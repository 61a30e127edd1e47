package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.DaemonProcess;
import dev.flightdeck.client.RunInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code flightdeck demo}: the two-minute tour. Starts a daemon when none runs, runs the
 * {@code support-refund} demo bundle (scripted model, no network, no API key) on a sample
 * customer message, and prints each step as it happens.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the support-refund demo bundle on a sample customer message and print each step.",
                "Starts a daemon in the background when none runs on the data directory.",
                "Exits 0 when the run SUCCEEDED."})
final class DemoCommand implements Callable<Integer> {
    static final String BUNDLE = "support-refund";
    static final String SAMPLE_MESSAGE = "Hi, this is Dana. My order A-1001 arrived with a cracked lid. "
            + "Can I get my money back?";

    @Option(names = "--input", paramLabel = "TEXT", description = "The customer message (default: a sample).")
    String input = SAMPLE_MESSAGE;

    @Option(names = "--start-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for a daemon to start (default: ${DEFAULT-VALUE}).")
    int startTimeoutSeconds;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        DaemonEndpoint endpoint = ensureDaemon(err);
        try (DaemonClient client = DaemonClient.connect(endpoint)) {
            RunInfo run = client.startRun(BUNDLE, input, "demo", null).run();
            out.println("customer: " + input);
            out.println("run " + run.runId() + " of " + Formats.bundleRef(run));
            out.println();
            out.flush();
            RunInfo ended = new RunFollower(client).follow(run.runId(), 0, new EventPrinter(out)::print);
            int code = RunOutcome.report(ended, out, cl);
            if (code == ExitCodes.OK) {
                out.println();
                out.println("next: flightdeck runs --data-dir " + dataDir.dataDir()
                        + "   |   flightdeck watch " + ended.runId() + " --data-dir " + dataDir.dataDir());
                out.flush();
            }
            return code;
        }
    }

    private DaemonEndpoint ensureDaemon(PrintWriter err) {
        Optional<DaemonEndpoint> running = DaemonProcess.findServing(dataDir.dataDir());
        if (running.isPresent()) {
            return running.get();
        }
        DaemonEndpoint started = DaemonProcess.ensureRunning(dataDir.dataDir(), Duration.ofSeconds(startTimeoutSeconds));
        err.println("started a daemon on " + dataDir.dataDir() + " (pid " + started.pid() + "); stop it with: kill "
                + started.pid());
        err.flush();
        return started;
    }
}
