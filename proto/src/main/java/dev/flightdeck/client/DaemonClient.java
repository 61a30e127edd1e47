package dev.flightdeck.client;

import dev.flightdeck.proto.v1.ApprovalServiceGrpc;
import dev.flightdeck.proto.v1.BundleServiceGrpc;
import dev.flightdeck.proto.v1.DecideApprovalRequest;
import dev.flightdeck.proto.v1.ListApprovalsRequest;
import dev.flightdeck.proto.v1.ListApprovalsResponse;
import dev.flightdeck.proto.v1.WatchApprovalsRequest;
import dev.flightdeck.proto.v1.CancelRunRequest;
import dev.flightdeck.proto.v1.DaemonServiceGrpc;
import dev.flightdeck.proto.v1.GetBundleRequest;
import dev.flightdeck.proto.v1.GetDaemonInfoRequest;
import dev.flightdeck.proto.v1.GetRunHistoryRequest;
import dev.flightdeck.proto.v1.GetRunHistoryResponse;
import dev.flightdeck.proto.v1.GetRunRequest;
import dev.flightdeck.proto.v1.ListBundlesRequest;
import dev.flightdeck.proto.v1.ListBundlesResponse;
import dev.flightdeck.proto.v1.ListRunsRequest;
import dev.flightdeck.proto.v1.ListRunsResponse;
import dev.flightdeck.proto.v1.PushBundleRequest;
import dev.flightdeck.proto.v1.PushBundleResponse;
import dev.flightdeck.proto.v1.Run;
import dev.flightdeck.proto.v1.RunEvent;
import dev.flightdeck.proto.v1.RunServiceGrpc;
import dev.flightdeck.proto.v1.StartRunRequest;
import dev.flightdeck.proto.v1.StartRunResponse;
import dev.flightdeck.proto.v1.WatchRunRequest;
import dev.flightdeck.proto.v1.WatchRunsRequest;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one typed client of a Flightdeck daemon, shared by the console, the CLI and the tests.
 *
 * <p>Every unary call carries a deadline (default 10 s) and the daemon's bearer token, and
 * returns plain records; failures arrive as {@link DaemonCallException} with the daemon's own
 * message. Costs ({@link #queryCost}, {@link #topRuns}) are unary calls like the others.
 * Streams ({@link #watchRun}, {@link #watchRuns}, {@link #watchApprovals}) have no
 * deadline because they are meant to stay open; they end when their subject ends, on {@link Subscription#cancel()}, or
 * with {@link StreamListener#onError} when the daemon goes away.
 *
 * <p>Calls block the calling thread: the console runs them on its background executor, never on
 * the FX thread.
 */
public final class DaemonClient implements AutoCloseable {
    /** Default deadline for unary calls. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final Channel channel;
    private final ManagedChannel owned;
    private final CallCredentials credentials;
    private final Duration deadline;

    private DaemonClient(Channel channel, ManagedChannel owned, String token, Duration deadline) {
        this.channel = channel;
        this.owned = owned;
        this.credentials = new BearerToken(token);
        this.deadline = deadline;
    }

    /** Opens a channel to the daemon an info file describes. The client owns and closes it. */
    public static DaemonClient connect(DaemonEndpoint endpoint) {
        ManagedChannel ch = NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port())
                .usePlaintext()
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build();
        return new DaemonClient(ch, ch, endpoint.token(), DEFAULT_DEADLINE);
    }

    /** Uses an existing channel (e.g. in-process in tests); the caller keeps ownership of it. */
    public static DaemonClient over(Channel channel, String token) {
        return new DaemonClient(channel, null, token, DEFAULT_DEADLINE);
    }

    /** The same client with another deadline for unary calls. */
    public DaemonClient withDeadline(Duration newDeadline) {
        return new DaemonClient(channel, null, ((BearerToken) credentials).token, newDeadline);
    }

    // ---- runs -------------------------------------------------------------------------------

    /** Starts a run of {@code bundleRef} ({@code name} or {@code name@version}). */
    public StartedRun startRun(String bundleRef, String input, String tenant, String idempotencyKey) {
        StartRunResponse r = call(() -> runs().startRun(StartRunRequest.newBuilder()
                .setBundle(bundleRef).setInput(input).setTenant(nullToEmpty(tenant))
                .setIdempotencyKey(nullToEmpty(idempotencyKey)).build()));
        return new StartedRun(ProtoMapping.run(r.getRun()), r.getExisting());
    }

    public RunInfo getRun(String runId) {
        return ProtoMapping.run(call(() -> runs().getRun(GetRunRequest.newBuilder().setRunId(runId).build())));
    }

    /** Lists runs newest first. {@code pageSize} 0 means the daemon's default. */
    public Page<RunInfo> listRuns(RunFilter filter, int pageSize, String pageToken) {
        ListRunsRequest.Builder req = ListRunsRequest.newBuilder().setPageSize(pageSize)
                .setPageToken(nullToEmpty(pageToken)).setBundleName(filter.bundleName()).setTenant(filter.tenant());
        filter.states().forEach(s -> req.addStatuses(ProtoMapping.status(s)));
        ListRunsResponse r = call(() -> runs().listRuns(req.build()));
        return new Page<>(r.getRunsList().stream().map(ProtoMapping::run).toList(), r.getNextPageToken());
    }

    /** Reads up to {@code pageSize} events after {@code afterSequence}, in order. */
    public List<RunEventInfo> getRunHistory(String runId, long afterSequence, int pageSize) {
        GetRunHistoryResponse r = call(() -> runs().getRunHistory(GetRunHistoryRequest.newBuilder()
                .setRunId(runId).setAfterSequence(afterSequence).setPageSize(pageSize).build()));
        return r.getEventsList().stream().map(ProtoMapping::event).toList();
    }

    public RunInfo cancelRun(String runId, String reason, String requestedBy) {
        return ProtoMapping.run(call(() -> runs().cancelRun(CancelRunRequest.newBuilder().setRunId(runId)
                .setReason(nullToEmpty(reason)).setRequestedBy(nullToEmpty(requestedBy)).build())));
    }

    /**
     * Deletes terminal runs that finished more than {@code olderThanSeconds} ago (0: the daemon's
     * configured retention), or with {@code dryRun} only reports them.
     */
    public PruneResult pruneRuns(long olderThanSeconds, boolean dryRun) {
        var r = call(() -> runs().pruneRuns(dev.flightdeck.proto.v1.PruneRunsRequest.newBuilder()
                .setOlderThanSeconds(olderThanSeconds).setDryRun(dryRun).build()));
        return new PruneResult(java.time.Instant.ofEpochSecond(r.getCutoff().getSeconds(), r.getCutoff().getNanos()),
                r.getRunCount(), r.getEventCount(), List.copyOf(r.getRunIdsList()), r.getDryRun());
    }

    /**
     * Follows a run's events after {@code afterSequence}: history first, then live events, then
     * {@link StreamListener#onCompleted()} once the run is terminal and fully sent. To resume
     * after an error, subscribe again with the last sequence received.
     */
    public Subscription watchRun(String runId, long afterSequence, StreamListener<RunEventInfo> listener) {
        WatchRunRequest req = WatchRunRequest.newBuilder().setRunId(runId).setAfterSequence(afterSequence).build();
        return stream(listener, ProtoMapping::event,
                observer -> RunServiceGrpc.newStub(channel).withCallCredentials(credentials).watchRun(req, observer));
    }

    /** Follows every change to runs (of one tenant, or all when {@code tenant} is empty). */
    public Subscription watchRuns(String tenant, StreamListener<RunInfo> listener) {
        WatchRunsRequest req = WatchRunsRequest.newBuilder().setTenant(nullToEmpty(tenant)).build();
        return stream(listener, ProtoMapping::run,
                observer -> RunServiceGrpc.newStub(channel).withCallCredentials(credentials).watchRuns(req, observer));
    }

    // ---- approvals --------------------------------------------------------------------------

    /** Lists approvals newest first. {@code pageSize} 0 means the daemon's default. */
    public Page<ApprovalInfo> listApprovals(ApprovalFilter filter, int pageSize, String pageToken) {
        ListApprovalsResponse r = call(() -> approvals().listApprovals(ListApprovalsRequest.newBuilder()
                .setState(ProtoMapping.approvalState(filter.state())).setRunId(filter.runId())
                .setTenant(filter.tenant()).setPageSize(pageSize).setPageToken(nullToEmpty(pageToken)).build()));
        return new Page<>(r.getApprovalsList().stream().map(ProtoMapping::approval).toList(), r.getNextPageToken());
    }

    /** Every approval matching {@code filter}, newest first, following pages. */
    public List<ApprovalInfo> listAllApprovals(ApprovalFilter filter) {
        List<ApprovalInfo> all = new java.util.ArrayList<>();
        String token = "";
        do {
            Page<ApprovalInfo> page = listApprovals(filter, 500, token);
            all.addAll(page.items());
            token = page.nextPageToken();
        } while (!token.isEmpty());
        return all;
    }

    /**
     * Decides an approval; returns it as decided. A repeat with the same request id returns the
     * first result; a different decision after the first fails with FAILED_PRECONDITION.
     */
    public ApprovalInfo decideApproval(DecideApproval d) {
        return ProtoMapping.approval(call(() -> approvals().decideApproval(DecideApprovalRequest.newBuilder()
                .setApprovalId(nullToEmpty(d.approvalId())).setDecision(ProtoMapping.decision(d.decision()))
                .setEditedArgumentsJson(d.editedArgumentsJson()).setManualResultJson(d.manualResultJson())
                .setReason(d.reason()).setReviewer(d.reviewer()).setRequestId(d.requestId()).build())));
    }

    /** Follows approvals as they are created, decided or closed (filtered by tenant and run). */
    public Subscription watchApprovals(ApprovalFilter filter, StreamListener<ApprovalInfo> listener) {
        WatchApprovalsRequest req = WatchApprovalsRequest.newBuilder().setTenant(filter.tenant())
                .setRunId(filter.runId()).build();
        return stream(listener, ProtoMapping::approval, observer -> ApprovalServiceGrpc.newStub(channel)
                .withCallCredentials(credentials).watchApprovals(req, observer));
    }

    // ---- bundles ----------------------------------------------------------------------------

    public PushedBundle pushBundle(String yaml) {
        PushBundleResponse r = call(() -> bundles().pushBundle(PushBundleRequest.newBuilder().setYaml(yaml).build()));
        return new PushedBundle(r.getName(), r.getVersionId(), r.getCreated());
    }

    /** A bundle version; {@code version} empty means the latest. */
    public BundleInfo getBundle(String name, String version) {
        return ProtoMapping.bundle(call(() -> bundles().getBundle(GetBundleRequest.newBuilder().setName(name)
                .setVersion(nullToEmpty(version)).build())));
    }

    /** Bundles by name (latest version of each), or the versions of {@code name} when it is not empty. */
    public Page<BundleInfo> listBundles(String name, int pageSize, String pageToken) {
        ListBundlesResponse r = call(() -> bundles().listBundles(ListBundlesRequest.newBuilder()
                .setName(nullToEmpty(name)).setPageSize(pageSize).setPageToken(nullToEmpty(pageToken)).build()));
        return new Page<>(r.getBundlesList().stream().map(ProtoMapping::bundle).toList(), r.getNextPageToken());
    }

    // ---- costs ------------------------------------------------------------------------------

    /**
     * Aggregates the model calls of {@code query}'s range: groups ordered by their keys, the total,
     * and whether the group limit cut the list. INVALID_ARGUMENT for a range the daemon refuses.
     */
    public CostReport queryCost(CostQuery query) {
        return ProtoMapping.costReport(call(() -> costs().queryCost(ProtoMapping.queryCost(query))));
    }

    /**
     * The runs whose model calls in [{@code from}, {@code to}) cost the most, most expensive first.
     * {@code limit} 0 means the daemon's default (20); at most 500.
     */
    public List<CostlyRunInfo> topRuns(java.time.Instant from, java.time.Instant to, CostFilter filter, int limit) {
        var r = call(() -> costs().topRuns(dev.flightdeck.proto.v1.TopRunsRequest.newBuilder()
                .setFrom(ProtoMapping.timestamp(from)).setTo(ProtoMapping.timestamp(to))
                .setFilter(ProtoMapping.costFilter(filter == null ? CostFilter.ALL : filter)).setLimit(limit).build()));
        return r.getRunsList().stream().map(ProtoMapping::costlyRun).toList();
    }

    // ---- daemon -----------------------------------------------------------------------------

    public DaemonStatus daemonInfo() {
        return ProtoMapping.daemon(call(() -> DaemonServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(credentials).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .getDaemonInfo(GetDaemonInfoRequest.getDefaultInstance())));
    }

    /** True when the daemon's standard health service answers SERVING (needs no token). */
    public boolean isServing() {
        try {
            HealthCheckResponse r = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(Math.min(deadline.toMillis(), 2000), TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
            return r.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.shutdownNow();
            try {
                owned.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- plumbing ---------------------------------------------------------------------------

    private RunServiceGrpc.RunServiceBlockingStub runs() {
        return RunServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private ApprovalServiceGrpc.ApprovalServiceBlockingStub approvals() {
        return ApprovalServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private BundleServiceGrpc.BundleServiceBlockingStub bundles() {
        return BundleServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private dev.flightdeck.proto.v1.CostServiceGrpc.CostServiceBlockingStub costs() {
        return dev.flightdeck.proto.v1.CostServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static <T> T call(Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw translate(e);
        }
    }

    static DaemonCallException translate(Throwable t) {
        Status status = Status.fromThrowable(t);
        String message = status.getDescription();
        if (message == null || message.isBlank()) {
            message = switch (status.getCode()) {
                case UNAVAILABLE -> "the daemon is not reachable";
                case DEADLINE_EXCEEDED -> "the daemon did not answer in time";
                case CANCELLED -> "the call was cancelled";
                default -> status.getCode().name().toLowerCase().replace('_', ' ');
            };
        }
        return new DaemonCallException(status.getCode().name(), message, t);
    }

    private static <P, R> Subscription stream(StreamListener<R> listener, Function<P, R> convert,
                                              java.util.function.Consumer<ClientResponseObserver<Object, P>> start) {
        StreamObserverAdapter<P, R> adapter = new StreamObserverAdapter<>(listener, convert);
        start.accept(adapter);
        return adapter::cancel;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Adapts a gRPC response observer to a {@link StreamListener}, converting each message. */
    private static final class StreamObserverAdapter<P, R> implements ClientResponseObserver<Object, P> {
        private final StreamListener<R> listener;
        private final Function<P, R> convert;
        private volatile ClientCallStreamObserver<Object> call;
        private volatile boolean cancelled;

        StreamObserverAdapter(StreamListener<R> listener, Function<P, R> convert) {
            this.listener = listener;
            this.convert = convert;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<Object> requestStream) {
            this.call = requestStream;
        }

        @Override
        public void onNext(P value) {
            if (!cancelled) {
                listener.onItem(convert.apply(value));
            }
        }

        @Override
        public void onError(Throwable t) {
            if (!cancelled) {
                listener.onError(translate(t));
            }
        }

        @Override
        public void onCompleted() {
            if (!cancelled) {
                listener.onCompleted();
            }
        }

        void cancel() {
            cancelled = true;
            ClientCallStreamObserver<Object> c = call;
            if (c != null) {
                c.cancel("cancelled by the client", null);
            }
        }
    }

    /** Adds {@code authorization: Bearer <token>} to every call. */
    private static final class BearerToken extends CallCredentials {
        private final String token;

        BearerToken(String token) {
            this.token = token;
        }

        @Override
        public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, "Bearer " + token);
            applier.apply(headers);
        }
    }
}
