package dev.flightdeck.daemon.api;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.PushedBundle;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.client.StartedRun;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.TestBundles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

class RunLifecycleServiceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private InProcessDaemon daemon;
    private DaemonClient client;

    @BeforeEach
    void start() {
        daemon = new InProcessDaemon(dir);
        client = daemon.client();
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void demoRunSucceedsWithGapFreeIntactHashChainAndTheScriptedAnswer() {
        PushedBundle pushed = client.pushBundle(TestBundles.demo());
        StartedRun started = client.startRun("support-refund", "My headphones arrived broken, order A-1001", "acme", "");

        assertThat(started.existing()).isFalse();
        assertThat(started.run().state()).isEqualTo(RunState.QUEUED);
        assertThat(started.run().bundleVersion()).isEqualTo(pushed.versionId());

        List<RunEventInfo> events = daemon.watchToEnd(started.run().runId(), 0, TIMEOUT);

        assertThat(HashChain.verify(events)).isEmpty();
        assertThat(events).extracting(RunEventInfo::sequence)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(events).extracting(RunEventInfo::type).startsWith("run_started", "model_requested",
                "model_responded", "tool_call_proposed", "tool_call_started", "tool_call_finished", "model_requested");
        assertThat(events.get(events.size() - 1).type()).isEqualTo("run_finished");
        assertThat(events.get(events.size() - 1).terminal()).isTrue();

        RunInfo run = client.getRun(started.run().runId());
        assertThat(run.state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(run.terminalReason()).isEqualTo("COMPLETED");
        assertThat(run.output()).contains("A-1001");
        assertThat(run.stepCount()).isEqualTo(4);
        assertThat(run.lastSequence()).isEqualTo(events.size());
        assertThat(run.usage().inputTokens()).isEqualTo(412 + 586 + 803 + 1021);
        assertThat(run.startedAt()).isNotNull();
        assertThat(run.finishedAt()).isNotNull();
    }

    @Test
    void reWatchFromTheMiddleReturnsExactlyTheRemainingEvents() {
        client.pushBundle(TestBundles.demo());
        String runId = client.startRun("support-refund", "refund A-1001", "", "").run().runId();
        List<RunEventInfo> all = daemon.watchToEnd(runId, 0, TIMEOUT);

        long middle = all.size() / 2;
        List<RunEventInfo> rest = daemon.watchToEnd(runId, middle, TIMEOUT);

        assertThat(rest).isEqualTo(all.subList((int) middle, all.size()));
    }

    @Test
    void aClientThatAsksForOneEventAtATimeStillGetsEveryEventInOrderAndACompletion() throws Exception {
        client.pushBundle(TestBundles.demo());
        String runId = client.startRun("support-refund", "refund A-1001", "", "").run().runId();
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + InProcessDaemon.TOKEN);
        var stub = dev.flightdeck.proto.v1.RunServiceGrpc.newStub(daemon.channel())
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
        List<Long> sequences = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();

        stub.watchRun(dev.flightdeck.proto.v1.WatchRunRequest.newBuilder().setRunId(runId).build(),
                new io.grpc.stub.ClientResponseObserver<dev.flightdeck.proto.v1.WatchRunRequest, dev.flightdeck.proto.v1.RunEvent>() {
                    private io.grpc.stub.ClientCallStreamObserver<dev.flightdeck.proto.v1.WatchRunRequest> call;

                    @Override
                    public void beforeStart(io.grpc.stub.ClientCallStreamObserver<dev.flightdeck.proto.v1.WatchRunRequest> c) {
                        call = c;
                        c.disableAutoRequestWithInitial(1); // manual flow control: one message per request
                    }

                    @Override
                    public void onNext(dev.flightdeck.proto.v1.RunEvent e) {
                        sequences.add(e.getSequence());
                        call.request(1);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        done.get(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);

        assertThat(sequences).containsExactlyElementsOf(
                LongStream.rangeClosed(1, client.getRun(runId).lastSequence()).boxed().toList());
    }

    @Test
    void watchingATerminalRunFromItsLastSequenceCompletesWithNoEvents() {
        client.pushBundle(TestBundles.answering("hello", "hi"));
        String runId = client.startRun("hello", "x", "", "").run().runId();
        List<RunEventInfo> all = daemon.watchToEnd(runId, 0, TIMEOUT);

        assertThat(daemon.watchToEnd(runId, all.size(), TIMEOUT)).isEmpty();
        // Past the end is refused (OUT_OF_RANGE, see RunServiceTest) rather than answered with nothing.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> daemon.watchToEnd(runId, all.size() + 10, TIMEOUT))
                .hasMessageContaining("after_sequence: " + (all.size() + 10) + " is past the end of run " + runId);
    }
}
