package dev.flightdeck.daemon.cli;

import picocli.CommandLine.Command;

/** {@code flightdeck daemon}: runs flightdeckd in the foreground until SIGTERM. */
@Command(name = "daemon", description = "Run the daemon in the foreground.")
public final class DaemonCommand implements java.util.concurrent.Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("the daemon assembly lands with the daemon change");
    }
}
