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
}
