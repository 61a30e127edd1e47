package dev.flightdeck.daemon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code flightdeck} command: runs the daemon and talks to it. */
@Command(name = "flightdeck", mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Run LLM agents like production software.",
        subcommands = {DaemonCommand.class})
public final class FlightdeckCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FlightdeckCli()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
