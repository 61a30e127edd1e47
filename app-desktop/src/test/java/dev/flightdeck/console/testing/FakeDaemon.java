package dev.flightdeck.console.testing;

import com.google.protobuf.Timestamp;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.console.viewmodel.DaemonLocator;
import dev.flightdeck.proto.v1.Approval;
import dev.flightdeck.proto.v1.ApprovalKind;
import dev.flightdeck.proto.v1.ApprovalServiceGrpc;
import dev.flightdeck.proto.v1.ApprovalState;
import dev.flightdeck.proto.v1.Bundle;
import dev.flightdeck.proto.v1.DecideApprovalRequest;
import dev.flightdeck.proto.v1.ListApprovalsRequest;
import dev.flightdeck.proto.v1.ListApprovalsResponse;
import dev.flightdeck.proto.v1.ToolPolicy;
import dev.flightdeck.proto.v1.WatchApprovalsRequest;
import dev.flightdeck.proto.v1.BundleServiceGrpc;
import dev.flightdeck.proto.v1.CancelRunRequest;
import dev.flightdeck.proto.v1.DaemonInfo;
import dev.flightdeck.proto.v1.DaemonServiceGrpc;
import dev.flightdeck.proto.v1.GetDaemonInfoRequest;
import dev.flightdeck.proto.v1.GetRunRequest;
import dev.flightdeck.proto.v1.ListBundlesRequest;
import dev.flightdeck.proto.v1.ListBundlesResponse;
import dev.flightdeck.proto.v1.ListRunsRequest;
import dev.flightdeck.proto.v1.ListRunsResponse;
import dev.flightdeck.proto.v1.Run;
import dev.flightdeck.proto.v1.RunEvent;
import dev.flightdeck.proto.v1.RunFinished;
import dev.flightdeck.proto.v1.RunServiceGrpc;
import dev.flightdeck.proto.v1.RunStarted;
import dev.flightdeck.proto.v1.RunStatus;
import dev.flightdeck.proto.v1.StartRunRequest;
import dev.flightdeck.proto.v1.StartRunResponse;
import dev.flightdeck.proto.v1.ToolCall;
import dev.flightdeck.proto.v1.ToolCallFinished;
import dev.flightdeck.proto.v1.ToolCallStarted;
import dev.flightdeck.proto.v1.WatchRunRequest;
import dev.flightdeck.proto.v1.WatchRunsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A unit-test double of the daemon: the real gRPC services of the contract, served in-process
 * with a direct executor (calls and stream items arrive on the test's thread), backed by maps the
 * test fills. It can "restart": break every open stream with UNAVAILABLE, or refuse to be found.
 */
public final class FakeDaemon implements AutoCloseable {
    private final String name = "fake-daemon-" + System.nanoTime();
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final Map<String, List<RunEvent>> events = new LinkedHashMap<>();
    private final List<Bundle> bundles = new ArrayList<>();
    private final List<Watcher> runWatchers = new CopyOnWriteArrayList<>();
    private final List<StreamObserver<Run>> runsWatchers = new CopyOnWriteArrayList<>();
    private final Map<String, Approval> approvals = new LinkedHashMap<>();
    private final List<StreamObserver<Approval>> approvalWatchers = new CopyOnWriteArrayList<>();
    /** Every DecideApproval request received, in order. */
    public final List<DecideApprovalRequest> decisions = new CopyOnWriteArrayList<>();
    /** How many ListApprovals pages were served. */
    public final java.util.concurrent.atomic.AtomicInteger listApprovalPages = new java.util.concurrent.atomic.AtomicInteger();
    /** When set, DecideApproval fails with this status. */
    public volatile Status failDecide;
    /** after_sequence of every WatchRun call, in order. */
    public final List<Long> watchRunAfterSequences = new CopyOnWriteArrayList<>();
    public volatile Status failListRuns;
    public volatile boolean reachable = true;
    public volatile int endpointsGiven;
    /** The CostService: seed model calls with {@code costs.add(...)}. */
    public final FakeCosts costs = new FakeCosts();
    private final Server server;
    private final ManagedChannel channel;

    private record Watcher(String runId, StreamObserver<RunEvent> observer) {
    }

    public FakeDaemon() throws IOException {
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new Runs()).addService(new Bundles()).addService(new Daemon()).addService(new Approvals())
                .addService(costs)
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    /** A locator that finds this daemon while {@link #reachable}. */
    public DaemonLocator locator() {
        return new DaemonLocator() {
            @Override
            public Optional<DaemonEndpoint> findServing() {
                if (!reachable) {
                    return Optional.empty();
                }
                endpointsGiven++;
                return Optional.of(new DaemonEndpoint("in-process", 7000 + endpointsGiven, "token", 1, "test", null));
            }

            @Override
            public DaemonEndpoint start() {
                reachable = true;
                return findServing().orElseThrow();
            }

            @Override
            public DaemonClient connect(DaemonEndpoint endpoint) {
                return DaemonClient.over(channel, endpoint.token());
            }

            @Override
            public String describeLocation() {
                return "the test";
            }
        };
    }

    // ---- test data --------------------------------------------------------------------------

    public static Run run(String id, RunStatus status, Instant createdAt, long lastSequence) {
        return Run.newBuilder().setRunId(id).setBundleName("support-refund").setBundleVersion("abcdef0123456789")
                .setTenant("acme").setInput("hello").setStatus(status).setCreatedAt(ts(createdAt))
                .setStartedAt(ts(createdAt)).setLastSequence(lastSequence).build();
    }

    public static RunEvent event(String runId, long seq) {
        RunEvent.Builder b = RunEvent.newBuilder().setRunId(runId).setSequence(seq)
                .setOccurredAt(ts(Instant.parse("2026-11-21T10:00:00Z").plusSeconds(seq))).setStep((int) (seq / 3))
                .setHash("hash-" + seq).setPrevHash(seq == 1 ? "" : "hash-" + (seq - 1));
        if (seq == 1) {
            b.setRunStarted(RunStarted.newBuilder().setBundleName("support-refund").setInput("hello"));
        } else if (seq % 2 == 0) {
            b.setToolCallStarted(ToolCallStarted.newBuilder().setCall(ToolCall.newBuilder().setCallId("c" + seq)
                    .setToolName("lookup_order").setArgumentsJson("{\"order\":\"A-1001\"}")));
        } else {
            b.setToolCallFinished(ToolCallFinished.newBuilder().setCallId("c" + (seq - 1))
                    .setToolName("lookup_order").setResultJson("{\"status\":\"damaged\"}"));
        }
        return b.build();
    }

    /** Usage of a run or a call: {@code priced} false means its model had no price. */
    public static dev.flightdeck.proto.v1.Usage usage(long input, long output, long costMicros, boolean priced) {
        return dev.flightdeck.proto.v1.Usage.newBuilder().setInputTokens(input).setOutputTokens(output)
                .setCostMicros(costMicros).setPriced(priced).build();
    }

    /** A model_responded event with its tokens (in and out 3:1), cost and latency. */
    public static RunEvent modelResponded(String runId, long seq, long tokens, long costMicros, long latencyMs) {
        return event(runId, seq).toBuilder().setModelResponded(dev.flightdeck.proto.v1.ModelResponded.newBuilder()
                .setProvider("openai").setModel("gpt-4o-mini")
                .setMessage(dev.flightdeck.proto.v1.ChatMessage.newBuilder().setContent("Let me look up the order."))
                .setUsage(usage(tokens * 3 / 4, tokens - tokens * 3 / 4, costMicros, costMicros > 0))
                .setLatencyMs(latencyMs)).build();
    }

    public static RunEvent finished(String runId, long seq) {
        return RunEvent.newBuilder().setRunId(runId).setSequence(seq).setHash("hash-" + seq)
                .setPrevHash("hash-" + (seq - 1)).setRunFinished(RunFinished.newBuilder()
                        .setStatus(RunStatus.RUN_STATUS_SUCCEEDED).setOutput("refund issued")).build();
    }

    public synchronized void putRun(Run run) {
        runs.put(run.getRunId(), run);
        events.computeIfAbsent(run.getRunId(), k -> new ArrayList<>());
    }

    public static Approval approval(String id, String runId, Instant createdAt) {
        return Approval.newBuilder().setApprovalId(id).setRunId(runId).setTenant("acme")
                .setBundleName("refund-with-approval").setBundleVersion("abcdef0123456789").setStep(2)
                .setCall(ToolCall.newBuilder().setCallId("call_2_1").setToolName("issue_refund")
                        .setArgumentsJson("{\"order_id\":\"A-1001\",\"amount_usd\":89.99}"))
                .setPolicy(ToolPolicy.TOOL_POLICY_ASK).setReason("bundle policy for tool \"issue_refund\": ask")
                .setKind(ApprovalKind.APPROVAL_KIND_GATED_TOOL_CALL).setState(ApprovalState.APPROVAL_STATE_PENDING)
                .setCreatedAt(ts(createdAt)).build();
    }

    /** Stores an approval's new state and pushes it to every WatchApprovals stream. */
    public void updateApproval(Approval a) {
        synchronized (this) {
            approvals.put(a.getApprovalId(), a);
        }
        approvalWatchers.forEach(w -> w.onNext(a));
    }

    public int openApprovalWatchers() {
        return approvalWatchers.size();
    }

    public void addBundle(String bundleName) {
        bundles.add(Bundle.newBuilder().setName(bundleName).setVersionId("v-" + bundleName).build());
    }

    /** Stores a run's new state and pushes it to every WatchRuns stream. */
    public void updateRun(Run run) {
        putRun(run);
        runsWatchers.forEach(w -> w.onNext(run));
    }

    /** Stores an event and pushes it to the run's watchers (completing them on run_finished). */
    public void appendEvent(RunEvent event) {
        synchronized (this) {
            events.computeIfAbsent(event.getRunId(), k -> new ArrayList<>()).add(event);
        }
        for (Watcher w : runWatchers) {
            if (w.runId().equals(event.getRunId())) {
                w.observer().onNext(event);
                if (event.hasRunFinished()) {
                    runWatchers.remove(w);
                    w.observer().onCompleted();
                }
            }
        }
    }

    /** Pushes an event to the watchers without storing it (a duplicate or a replay). */
    public void pushRaw(RunEvent event) {
        runWatchers.stream().filter(w -> w.runId().equals(event.getRunId())).forEach(w -> w.observer().onNext(event));
    }

    /** Breaks every open stream as a dying daemon would. */
    public void breakStreams() {
        List<Watcher> rw = new ArrayList<>(runWatchers);
        runWatchers.clear();
        List<StreamObserver<Run>> aw = new ArrayList<>(runsWatchers);
        runsWatchers.clear();
        List<StreamObserver<Approval>> pw = new ArrayList<>(approvalWatchers);
        approvalWatchers.clear();
        pw.forEach(w -> w.onError(Status.UNAVAILABLE.withDescription("daemon stopped").asRuntimeException()));
        rw.forEach(w -> w.observer().onError(Status.UNAVAILABLE.withDescription("daemon stopped").asRuntimeException()));
        aw.forEach(w -> w.onError(Status.UNAVAILABLE.withDescription("daemon stopped").asRuntimeException()));
    }

    public int openRunWatchers() {
        return runWatchers.size();
    }

    public int openRunsWatchers() {
        return runsWatchers.size();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    // ---- services ---------------------------------------------------------------------------

    private final class Runs extends RunServiceGrpc.RunServiceImplBase {
        @Override
        public void startRun(StartRunRequest request, StreamObserver<StartRunResponse> out) {
            String id = "run-" + (runs.size() + 1);
            Run run = run(id, RunStatus.RUN_STATUS_QUEUED, Instant.now(), 0).toBuilder()
                    .setBundleName(request.getBundle().split("@")[0]).setInput(request.getInput())
                    .setTenant(request.getTenant()).build();
            updateRun(run);
            out.onNext(StartRunResponse.newBuilder().setRun(run).build());
            out.onCompleted();
        }

        @Override
        public void getRun(GetRunRequest request, StreamObserver<Run> out) {
            Run run;
            synchronized (FakeDaemon.this) {
                run = runs.get(request.getRunId());
            }
            if (run == null) {
                out.onError(Status.NOT_FOUND.withDescription("run " + request.getRunId() + " not found").asRuntimeException());
                return;
            }
            out.onNext(run);
            out.onCompleted();
        }

        @Override
        public void listRuns(ListRunsRequest request, StreamObserver<ListRunsResponse> out) {
            if (failListRuns != null) {
                out.onError(failListRuns.asRuntimeException());
                return;
            }
            List<Run> all;
            synchronized (FakeDaemon.this) {
                all = new ArrayList<>(runs.values());
            }
            all.sort(Comparator.comparing((Run r) -> r.getCreatedAt().getSeconds()).reversed());
            out.onNext(ListRunsResponse.newBuilder().addAllRuns(all).build());
            out.onCompleted();
        }

        @Override
        public void watchRun(WatchRunRequest request, StreamObserver<RunEvent> out) {
            watchRunAfterSequences.add(request.getAfterSequence());
            List<RunEvent> history;
            synchronized (FakeDaemon.this) {
                history = new ArrayList<>(events.getOrDefault(request.getRunId(), List.of()));
            }
            boolean finished = false;
            for (RunEvent e : history) {
                if (e.getSequence() > request.getAfterSequence()) {
                    out.onNext(e);
                }
                finished |= e.hasRunFinished();
            }
            if (finished) {
                out.onCompleted();
                return;
            }
            Watcher w = new Watcher(request.getRunId(), out);
            runWatchers.add(w);
            ((ServerCallStreamObserver<RunEvent>) out).setOnCancelHandler(() -> runWatchers.remove(w));
        }

        @Override
        public void watchRuns(WatchRunsRequest request, StreamObserver<Run> out) {
            runsWatchers.add(out);
            ((ServerCallStreamObserver<Run>) out).setOnCancelHandler(() -> runsWatchers.remove(out));
        }

        @Override
        public void cancelRun(CancelRunRequest request, StreamObserver<Run> out) {
            Run run;
            synchronized (FakeDaemon.this) {
                run = runs.get(request.getRunId());
            }
            Run cancelled = run.toBuilder().setStatus(RunStatus.RUN_STATUS_CANCELLED)
                    .setLastSequence(run.getLastSequence() + 1).build();
            updateRun(cancelled);
            out.onNext(cancelled);
            out.onCompleted();
        }
    }

    private final class Approvals extends ApprovalServiceGrpc.ApprovalServiceImplBase {
        @Override
        public void listApprovals(ListApprovalsRequest request, StreamObserver<ListApprovalsResponse> out) {
            List<Approval> all;
            synchronized (FakeDaemon.this) {
                all = new ArrayList<>(approvals.values());
            }
            // Like the daemon: newest first, pages of page_size (0: all), the token is where the next page starts.
            List<Approval> matching = all.stream()
                    .filter(a -> request.getState() == ApprovalState.APPROVAL_STATE_UNSPECIFIED
                            || a.getState() == request.getState())
                    .sorted(java.util.Comparator.comparing((Approval a) -> a.getCreatedAt().getSeconds())
                            .thenComparing(a -> a.getCreatedAt().getNanos()).thenComparing(Approval::getApprovalId)
                            .reversed())
                    .toList();
            int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
            int to = request.getPageSize() == 0 ? matching.size() : Math.min(matching.size(), from + request.getPageSize());
            listApprovalPages.incrementAndGet();
            out.onNext(ListApprovalsResponse.newBuilder().addAllApprovals(matching.subList(from, to))
                    .setNextPageToken(to < matching.size() ? Integer.toString(to) : "").build());
            out.onCompleted();
        }

        @Override
        public void watchApprovals(WatchApprovalsRequest request, StreamObserver<Approval> out) {
            approvalWatchers.add(out);
            ((ServerCallStreamObserver<Approval>) out).setOnCancelHandler(() -> approvalWatchers.remove(out));
        }

        @Override
        public void decideApproval(DecideApprovalRequest request, StreamObserver<Approval> out) {
            decisions.add(request);
            if (failDecide != null) {
                out.onError(failDecide.asRuntimeException());
                return;
            }
            Approval a;
            synchronized (FakeDaemon.this) {
                a = approvals.get(request.getApprovalId());
            }
            if (a == null) {
                out.onError(Status.NOT_FOUND.withDescription("approval_id: unknown approval").asRuntimeException());
                return;
            }
            Approval decided = a.toBuilder().setState(ApprovalState.APPROVAL_STATE_DECIDED)
                    .setDecision(request.getDecision()).setReviewer(request.getReviewer())
                    .setDecisionReason(request.getReason()).setEditedArgumentsJson(request.getEditedArgumentsJson())
                    .setDecidedAt(ts(Instant.parse("2026-11-21T10:05:00Z"))).build();
            updateApproval(decided);
            out.onNext(decided);
            out.onCompleted();
        }
    }

    private final class Bundles extends BundleServiceGrpc.BundleServiceImplBase {
        @Override
        public void listBundles(ListBundlesRequest request, StreamObserver<ListBundlesResponse> out) {
            out.onNext(ListBundlesResponse.newBuilder().addAllBundles(bundles).build());
            out.onCompleted();
        }
    }

    private static final class Daemon extends DaemonServiceGrpc.DaemonServiceImplBase {
        @Override
        public void getDaemonInfo(GetDaemonInfoRequest request, StreamObserver<DaemonInfo> out) {
            out.onNext(DaemonInfo.newBuilder().setVersion("0.1.0-test").setPid(1).build());
            out.onCompleted();
        }
    }
}
