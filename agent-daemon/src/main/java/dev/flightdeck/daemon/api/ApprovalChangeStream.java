package dev.flightdeck.daemon.api;

import dev.flightdeck.daemon.approval.ApprovalRecord;
import dev.flightdeck.daemon.engine.ApprovalService;
import dev.flightdeck.daemon.engine.RunFeed;
import dev.flightdeck.proto.v1.Approval;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * One WatchApprovals stream, shaped like {@link RunChangeStream}: pending updates are coalesced
 * per approval (only the newest state waits), sends happen only while the transport is ready,
 * and past {@link #MAX_PENDING} distinct approvals waiting the stream fails with
 * RESOURCE_EXHAUSTED so the client lists again.
 */
final class ApprovalChangeStream {
    static final int MAX_PENDING = 10_000;

    private final String tenant;
    private final String runId;
    private final ServerCallStreamObserver<Approval> call;
    private final ApprovalService approvals;
    private final ProtoConverter convert;
    private final SerialPump pump;
    private final Map<String, ApprovalRecord> pending = new LinkedHashMap<>();
    private volatile RunFeed.Registration registration;
    private volatile boolean done;
    private volatile boolean overflowed;

    ApprovalChangeStream(String tenant, String runId, ServerCallStreamObserver<Approval> call,
                         ApprovalService approvals, ProtoConverter convert, Executor executor) {
        this.tenant = tenant;
        this.runId = runId;
        this.call = call;
        this.approvals = approvals;
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
        registration = approvals.onApprovals(this::changed);
    }

    private void changed(ApprovalRecord a) {
        if (done || (!tenant.isEmpty() && !tenant.equals(a.tenant())) || (!runId.isEmpty() && !runId.equals(a.runId()))) {
            return;
        }
        boolean overflow;
        synchronized (pending) {
            pending.remove(a.approvalId()); // re-insert at the end: updates go out in change order
            pending.put(a.approvalId(), a);
            overflow = pending.size() > MAX_PENDING;
        }
        if (overflow) {
            overflowed = true;
            RunFeed.Registration r = registration;
            if (r != null) {
                r.close();
            }
            synchronized (pending) {
                pending.clear();
            }
        }
        pump.signal();
    }

    private void drain() {
        if (overflowed && !done) {
            stop();
            call.onError(Status.RESOURCE_EXHAUSTED
                    .withDescription("the client reads approvals too slowly; list approvals again and re-subscribe")
                    .asRuntimeException());
            return;
        }
        while (!done && call.isReady()) {
            ApprovalRecord next;
            synchronized (pending) {
                Iterator<ApprovalRecord> it = pending.values().iterator();
                if (!it.hasNext()) {
                    return;
                }
                next = it.next();
                it.remove();
            }
            call.onNext(convert.approval(next));
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
