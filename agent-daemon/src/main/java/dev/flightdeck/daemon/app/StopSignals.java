package dev.flightdeck.daemon.app;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns SIGTERM and SIGINT into a graceful stop. The JVM's default handling would run shutdown
 * hooks and exit with 143; handling the signals ourselves lets the main thread drain, clean up
 * and exit 0, which is what service managers and {@code Process.destroy()} callers expect.
 * Falls back to a shutdown hook where {@code sun.misc.Signal} is unavailable.
 */
final class StopSignals {
    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    private StopSignals() {
    }

    static void install(Runnable stop) {
        try {
            for (String name : new String[] {"TERM", "INT"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    LOG.info("received SIG{}", name);
                    stop.run();
                });
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("cannot handle stop signals ({}); relying on a shutdown hook", e.toString());
            Runtime.getRuntime().addShutdownHook(new Thread(stop, "stop-hook"));
        }
    }
}
