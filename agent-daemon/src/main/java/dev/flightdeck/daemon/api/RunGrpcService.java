package dev.flightdeck.daemon.api;

import dev.flightdeck.daemon.engine.EventCodec;
import dev.flightdeck.daemon.engine.HistoryPage;
import dev.flightdeck.daemon.engine.RunRetention;
import dev.flightdeck.daemon.engine.RunService;
import dev.flightdeck.daemon.engine.StartRunCommand;
import dev.flightdeck.daemon.engine.StartedRun;
import dev.flightdeck.daemon.error.InvalidArgumentException;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.store.RunQuery;
import dev.flightdeck.proto.v1.CancelRunRequest;
import dev.flightdeck.proto.v1.GetRunHistoryRequest;
import dev.flightdeck.proto.v1.GetRunHistoryResponse;
import dev.flightdeck.proto.v1.GetRunRequest;
import dev.flightdeck.proto.v1.ListRunsRequest;
import dev.flightdeck.proto.v1.ListRunsResponse;
import dev.flightdeck.proto.v1.PruneRunsRequest;
import dev.flightdeck.proto.v1.PruneRunsResponse;
import dev.flightdeck.proto.v1.Run;
import dev.flightdeck.proto.v1.RunEvent;
import dev.flightdeck.proto.v1.RunServiceGrpc;
import dev.flightdeck.proto.v1.StartRunRequest;
import dev.flightdeck.proto.v1.StartRunResponse;
import dev.flightdeck.proto.v1.WatchRunRequest;
import dev.flightdeck.proto.v1.WatchRunsRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;

/** RunService: start, read, list, follow and cancel runs. */
public final class RunGrpcService extends RunServiceGrpc.RunServiceImplBase {
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 500;
    static final int DEFAULT_HISTORY_PAGE = 200;
    static final int MAX_HISTORY_PAGE = 1000;

    private final RunService runs;
    private final ProtoConverter convert;
    private final StatusMapper errors = new StatusMapper();
    private final Unary unary = new Unary(errors);
    private final Executor streamExecutor;
    private final RunRetention retention;

    /** @param streamExecutor bounded executor that feeds WatchRun/WatchRuns streams */
    public RunGrpcService(RunService runs, EventCodec codec, Executor streamExecutor) {
        this(runs, codec, streamExecutor, null);
    }

    /** @param retention serves PruneRuns (UNIMPLEMENTED when null) */
    public RunGrpcService(RunService runs, EventCodec codec, Executor streamExecutor, RunRetention retention) {
        this.retention = retention;
        this.runs = runs;
        this.convert = new ProtoConverter(codec);
        this.streamExecutor = streamExecutor;
    }

    @Override
    public void startRun(StartRunRequest request, StreamObserver<StartRunResponse> observer) {
        unary.answer(observer, () -> {
            StartedRun started = runs.start(new StartRunCommand(request.getBundle(), request.getInput(),
                    request.getTenant(), request.getIdempotencyKey()));
            return StartRunResponse.newBuilder().setRun(convert.run(started.run())).setExisting(started.existing()).build();
        });
    }

    @Override
    public void getRun(GetRunRequest request, StreamObserver<Run> observer) {
        unary.answer(observer, () -> convert.run(runs.get(request.getRunId())));
    }

    @Override
    public void listRuns(ListRunsRequest request, StreamObserver<ListRunsResponse> observer) {
        unary.answer(observer, () -> {
            int size = PageTokens.pageSize(request.getPageSize(), DEFAULT_PAGE, MAX_PAGE);
            Set<RunStatus> statuses = EnumSet.noneOf(RunStatus.class);
            for (var s : request.getStatusesList()) {
                RunStatus status = ProtoConverter.status(s);
                if (status == null) {
                    throw new InvalidArgumentException("statuses: " + s + " is not a run status");
                }
                statuses.add(status);
            }
            String tenant = TenantFilters.of(request.getTenant());
            String filters = "statuses=" + new TreeSet<>(statuses.stream().map(Enum::name).toList())
                    + "|bundle_name=" + request.getBundleName() + "|tenant=" + tenant;
            String before = PageTokens.keyset("ListRuns", filters, request.getPageToken());
            List<RunRecord> page = runs.list(new RunQuery(statuses, request.getBundleName(), tenant,
                    before, size + 1));
            ListRunsResponse.Builder b = ListRunsResponse.newBuilder();
            page.stream().limit(size).forEach(r -> b.addRuns(convert.run(r)));
            if (page.size() > size) {
                b.setNextPageToken(PageTokens.issue("ListRuns", filters, page.get(size - 1).runId()));
            }
            return b.build();
        });
    }

    @Override
    public void getRunHistory(GetRunHistoryRequest request, StreamObserver<GetRunHistoryResponse> observer) {
        unary.answer(observer, () -> {
            int size = PageTokens.pageSize(request.getPageSize(), DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE);
            HistoryPage page = runs.history(request.getRunId(), request.getAfterSequence(), size);
            GetRunHistoryResponse.Builder b = GetRunHistoryResponse.newBuilder().setHasMore(page.hasMore());
            page.events().forEach(e -> b.addEvents(convert.event(e)));
            return b.build();
        });
    }

    @Override
    public void watchRun(WatchRunRequest request, StreamObserver<RunEvent> observer) {
        try {
            runs.checkAfterSequence(request.getRunId(), request.getAfterSequence());
        } catch (RuntimeException e) {
            observer.onError(errors.toStatus(e));
            return;
        }
        new RunEventStream(request.getRunId(), request.getAfterSequence(), (ServerCallStreamObserver<RunEvent>) observer,
                runs, convert, errors, streamExecutor).start();
    }

    @Override
    public void watchRuns(WatchRunsRequest request, StreamObserver<Run> observer) {
        String tenant = TenantFilters.of(request.getTenant());
        new ChangeStream<RunRecord, Run>((ServerCallStreamObserver<Run>) observer, l -> runs.feed().onRuns(l::accept),
                run -> tenant.isEmpty() || tenant.equals(run.tenant()), RunRecord::runId, convert::run,
                "the client reads run updates too slowly; list runs again and re-subscribe", errors, streamExecutor)
                .start();
    }

    @Override
    public void cancelRun(CancelRunRequest request, StreamObserver<Run> observer) {
        unary.answerLater(observer, caller -> runs.cancel(request.getRunId(), request.getReason(),
                request.getRequestedBy(), caller).thenApply(convert::run));
    }

    @Override
    public void pruneRuns(PruneRunsRequest request, StreamObserver<PruneRunsResponse> observer) {
        if (retention == null) {
            super.pruneRuns(request, observer);
            return;
        }
        unary.answer(observer, () -> {
            RunRetention.Pruned p = retention.prune(request.getOlderThanSeconds(), request.getDryRun());
            return PruneRunsResponse.newBuilder().setCutoff(ProtoConverter.timestamp(p.cutoff()))
                    .setRunCount(p.runCount()).setEventCount(p.eventCount()).addAllRunIds(p.runIds())
                    .setDryRun(p.dryRun()).build();
        });
    }
}
