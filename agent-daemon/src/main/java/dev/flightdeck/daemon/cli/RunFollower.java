package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.StreamListener;
import dev.flightdeck.client.Subscription;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * Follows one run on the calling thread: hands each event to a consumer in sequence order as the
 * daemon commits it, and returns the run's final state once the daemon ends the stream (the run is
 * terminal and every event has been sent). The gRPC stream delivers on its own threads; this class
 * moves items through a queue so output is written only by the caller's thread.
 */
final class RunFollower {
    private sealed interface Signal permits Item, Done, Failed {
    }

    private record Item(RunEventInfo event) implements Signal {
    }

    private record Done() implements Signal {
    }

    private record Failed(DaemonCallException error) implements Signal {
    }

    private final DaemonClient client;

    RunFollower(DaemonClient client) {
        this.client = client;
    }

    /**
     * Prints events of {@code runId} after {@code afterSequence} until the run ends.
     *
     * @return the run as it ended
     * @throws CliException when the stream breaks, naming how to resume
     */
    RunInfo follow(String runId, long afterSequence, Consumer<RunEventInfo> onEvent) {
        BlockingQueue<Signal> queue = new LinkedBlockingQueue<>();
        long last = afterSequence;
        Subscription subscription = client.watchRun(runId, afterSequence, new StreamListener<>() {
            @Override
            public void onItem(RunEventInfo item) {
                queue.add(new Item(item));
            }

            @Override
            public void onCompleted() {
                queue.add(new Done());
            }

            @Override
            public void onError(DaemonCallException error) {
                queue.add(new Failed(error));
            }
        });
        try {
            while (true) {
                Signal s = queue.take();
                if (s instanceof Item item) {
                    // The daemon sends each sequence once and in order; a duplicate would be a bug
                    // upstream, and skipping it keeps the printout honest.
                    if (item.event().sequence() > last) {
                        last = item.event().sequence();
                        onEvent.accept(item.event());
                    }
                } else if (s instanceof Done) {
                    return client.getRun(runId);
                } else if (s instanceof Failed f) {
                    if (!f.error().isUnavailable()) {
                        throw f.error();
                    }
                    throw new CliException("lost the daemon while following run " + runId + " after sequence "
                            + last + " (" + f.error().getMessage() + "); resume with: flightdeck watch " + runId
                            + " --after " + last, ExitCodes.NO_DAEMON);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while following run " + runId);
        } finally {
            subscription.cancel();
        }
    }
}
