package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.DaemonStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code flightdeck status}: is a daemon running on the data directory, and is it healthy. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the daemon's version, pid, port, data directory and health.",
                "Exits 0 when the daemon answers health SERVING, 3 when no daemon runs or it is not serving."})
final class StatusCommand implements Callable<Integer> {
    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        DaemonEndpoint endpoint = dataDir.endpoint();
        try (DaemonClient client = DaemonClient.connect(endpoint)) {
            boolean serving = client.isServing();
            Table t = new Table("", "");
            if (serving) {
                DaemonStatus info = client.daemonInfo();
                t.row("version", info.version()).row("pid", Long.toString(info.pid()))
                        .row("address", endpoint.host() + ":" + endpoint.port())
                        .row("data dir", info.dataDir())
                        .row("started", Formats.time(info.startedAt()))
                        .row("health", "SERVING");
            } else {
                t.row("version", endpoint.version()).row("pid", Long.toString(endpoint.pid()))
                        .row("address", endpoint.host() + ":" + endpoint.port())
                        .row("data dir", endpoint.dataDir().toString())
                        .row("health", "NOT SERVING");
            }
            t.printRows(out);
            if (!serving) {
                throw new CliException("the daemon on " + dataDir.dataDir() + " (pid " + endpoint.pid()
                        + ") does not answer health SERVING", ExitCodes.NO_DAEMON);
            }
            return ExitCodes.OK;
        }
    }
}
