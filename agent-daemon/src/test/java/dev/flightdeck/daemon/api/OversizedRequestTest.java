package dev.flightdeck.daemon.api;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.RunFilter;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.app.DaemonAssembly;
import dev.flightdeck.daemon.app.DaemonSettings;
import dev.flightdeck.daemon.engine.RunService;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.TestBundles;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The largest request a client can send cannot make a write transaction anywhere near the write
 * journal's record limit (256 MB): over TCP, as clients talk to the daemon, gRPC refuses a message
 * over 2 MB before the daemon reads it, and the fields that go into a run's history have their
 * own limits of 1 MB (StartRun input; DecideApproval's edited arguments and manual result), which
 * are refused naming the field. The largest input allowed, in the characters that grow the most
 * when escaped into the run's events, is stored and runs.
 */
class OversizedRequestTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private DaemonAssembly assembly;
    private DaemonClient client;

    @BeforeEach
    void start() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        assembly = new DaemonAssembly(DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test"),
                NettyServerBuilder.forAddress(new InetSocketAddress(loopback, 0)), Clock.systemUTC());
        assembly.start();
        client = DaemonClient.connect(new DaemonEndpoint(loopback.getHostAddress(), assembly.port(),
                InProcessDaemon.TOKEN, ProcessHandle.current().pid(), "test", dir)).withDeadline(TIMEOUT);
        client.pushBundle(TestBundles.answering("hello", "hi"));
    }

    @AfterEach
    void stop() {
        client.close();
        assembly.close();
    }

    private void assertRefused(Runnable call, String code, String messagePart) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(DaemonCallException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(messagePart);
        });
        assertThat(client.listRuns(RunFilter.ALL, 0, "").items()).as("runs stored").isEmpty();
    }

    @Test
    void aRequestOverTwoMegabytesIsRefusedByGrpcAndStoresNothing() {
        assertRefused(() -> client.startRun("hello", "x".repeat(3 * 1024 * 1024), "", ""), "RESOURCE_EXHAUSTED",
                "gRPC message exceeds maximum size 2097152");
    }

    @Test
    void anInputOverItsLimitIsRefusedNamingTheFieldItsSizeAndTheLimit() {
        assertRefused(() -> client.startRun("hello", "x".repeat(RunService.MAX_INPUT_BYTES + 1), "", ""),
                "INVALID_ARGUMENT", "input: must be at most 1048576 bytes, got 1048577");
    }

    @Test
    void theLargestInputInTheCharactersThatGrowMostWhenEscapedIsStoredAndRuns() {
        String input = "\u0001".repeat(RunService.MAX_INPUT_BYTES); // each becomes \u0001 in the events' JSON

        String runId = client.startRun("hello", input, "", "").run().runId();

        assertThat(InProcessDaemon.watchToEnd(client, runId, 0, TIMEOUT)).isNotEmpty();
        assertThat(client.getRun(runId).state()).isEqualTo(RunState.SUCCEEDED);
        assertThat(client.getRun(runId).input()).isEqualTo(input);
    }
}
