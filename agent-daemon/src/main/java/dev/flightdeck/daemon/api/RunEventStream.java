package dev.flightdeck.daemon.api;

import dev.flightdeck.daemon.engine.RunFeed;
import dev.flightdeck.daemon.engine.RunService;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.proto.v1.RunEvent;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

import java.util.List;
import java.util.concurrent.Executor;

/**
 * One WatchRun stream. It keeps no queue: it subscribes to commit signals first, then reads from
 * the event log everything after the last sequence it sent, for as long as the client is ready.
 * So history and live events come in order with no gap and no duplicate, and a slow client only
 * makes the daemon wait, never buffer.
 */
final class RunEventStream {
    private static final int BATCH = 64;

    private final String runId;
    private final ServerCallStreamObserver<RunEvent> call;
    private final RunService runs;
    private final ProtoConverter convert;
    private final StatusMapper errors;
    private final SerialPump pump;
    private volatile RunFeed.Registration registration;
    private volatile boolean done;
    private long lastSent;

    RunEventStream(String runId, long afterSequence, ServerCallStreamObserver<RunEvent> call, RunService runs,
                   ProtoConverter convert, StatusMapper errors, Executor executor) {
        this.runId = runId;
        this.lastSent = afterSequence;
        this.call = call;
        this.runs = runs;
        this.convert = convert;
        this.errors = errors;
        this.pump = new SerialPump(executor, this::drain, () -> fail(Status.RESOURCE_EXHAUSTED
                .withDescription("the daemon is too busy to serve this stream").asRuntimeException()));
    }

    /** Must be called from the rpc method, before it returns. */
    void start() {
        call.setOnCancelHandler(this::stop);
        call.setOnReadyHandler(pump::signal);
        registration = runs.feed().onEvents(runId, e -> pump.signal()); // subscribe BEFORE the first read
        pump.signal();
    }

    private void drain() {
        try {
            while (!done && call.isReady()) {
                List<RunEventRecord> batch = runs.eventsAfter(runId, lastSent, BATCH);
                if (batch.isEmpty()) {
                    // A client that already saw the end (after_sequence = last sequence) is done too.
                    var run = runs.get(runId);
                    if (run.status().isTerminal() && lastSent >= run.lastSequence()) {
                        stop();
                        call.onCompleted();
                    }
                    return; // otherwise the next commit signals us
                }
                for (RunEventRecord e : batch) {
                    call.onNext(convert.event(e));
                    lastSent = e.sequence();
                    if (e.isRunFinished()) {
                        stop();
                        call.onCompleted();
                        return;
                    }
                }
            }
        } catch (RuntimeException e) {
            if (!done && !call.isCancelled()) {
                fail(errors.toStatus(e));
            }
        }
    }

    private void fail(Throwable status) {
        if (!done) {
            stop();
            call.onError(status);
        }
    }

    private void stop() {
        done = true;
        RunFeed.Registration r = registration;
        if (r != null) {
            r.close();
        }
    }
}
