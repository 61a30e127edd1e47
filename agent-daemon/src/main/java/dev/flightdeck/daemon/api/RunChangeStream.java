package dev.flightdeck.daemon.api;

import dev.flightdeck.daemon.engine.RunFeed;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.proto.v1.Run;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * One WatchRuns stream. Pending updates are coalesced per run (only the newest state of a run
 * waits to be sent), so memory is bounded by the number of distinct runs changing while the
 * client is slow; past {@link #MAX_PENDING} the stream fails with RESOURCE_EXHAUSTED and the
 * client lists again.
 */
final class RunChangeStream {
    static final int MAX_PENDING = 10_000;

    private final String tenant;
    private final ServerCallStreamObserver<Run> call;
    private final RunFeed feed;
    private final ProtoConverter convert;
    private final SerialPump pump;
    private final Map<String, RunRecord> pending = new LinkedHashMap<>();
    private volatile RunFeed.Registration registration;
    private volatile boolean done;
    private volatile boolean overflowed;

    RunChangeStream(String tenant, ServerCallStreamObserver<Run> call, RunFeed feed, ProtoConverter convert,
                    Executor executor) {
        this.tenant = tenant;
        this.call = call;
        this.feed = feed;
        this.convert = convert;
        this.pump = new SerialPump(executor, this::drain, () -> {
            stop();
            call.onError(Status.RESOURCE_EXHAUSTED.withDescription("the daemon is too busy to serve this stream")
                    .asRuntimeException());
        });
    }

    void start() {
        call.setOnCancelHandler(this::stop);
        call.setOnReadyHandler(pump::signal);
        registration = feed.onRuns(this::changed);
    }

    private void changed(RunRecord run) {
        if (done || (!tenant.isEmpty() && !tenant.equals(run.tenant()))) {
            return;
        }
        boolean overflow;
        synchronized (pending) {
            pending.remove(run.runId()); // re-insert at the end: updates go out in change order
            pending.put(run.runId(), run);
            overflow = pending.size() > MAX_PENDING;
        }
        if (overflow) {
            overflowed = true;
            RunFeed.Registration r = registration;
            if (r != null) {
                r.close();
            }
            synchronized (pending) {
                pending.clear(); // free the memory now; the pump ends the stream
            }
        }
        pump.signal();
    }

    private void drain() {
        if (overflowed && !done) {
            stop();
            call.onError(Status.RESOURCE_EXHAUSTED
                    .withDescription("the client reads run updates too slowly; list runs again and re-subscribe")
                    .asRuntimeException());
            return;
        }
        while (!done && call.isReady()) {
            RunRecord next;
            synchronized (pending) {
                Iterator<RunRecord> it = pending.values().iterator();
                if (!it.hasNext()) {
                    return;
                }
                next = it.next();
                it.remove();
            }
            call.onNext(convert.run(next));
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
