package dev.flightdeck.daemon.api;

import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonStatus;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.StatusRuntimeException;
import io.grpc.Status;
import dev.flightdeck.proto.v1.DaemonServiceGrpc;
import dev.flightdeck.proto.v1.GetDaemonInfoRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuthAndDaemonInfoServiceTest {
    @TempDir
    Path dir;
    private InProcessDaemon daemon;

    @BeforeEach
    void start() {
        daemon = new InProcessDaemon(dir);
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void wrongTokenIsUnauthenticatedOnEveryService() {
        DaemonClient wrong = daemon.clientWithToken("not-the-token");

        assertThatThrownBy(() -> wrong.listRuns(dev.flightdeck.client.RunFilter.ALL, 0, ""))
                .isInstanceOfSatisfying(DaemonCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("UNAUTHENTICATED");
                    assertThat(e.getMessage()).isEqualTo("missing or wrong bearer token");
                });
        assertThatThrownBy(() -> wrong.listBundles("", 0, ""))
                .isInstanceOfSatisfying(DaemonCallException.class, e -> assertThat(e.code()).isEqualTo("UNAUTHENTICATED"));
        assertThatThrownBy(wrong::daemonInfo)
                .isInstanceOfSatisfying(DaemonCallException.class, e -> assertThat(e.code()).isEqualTo("UNAUTHENTICATED"));
    }

    @Test
    void missingTokenIsUnauthenticatedButHealthAnswersWithoutOne() {
        var noToken = DaemonServiceGrpc.newBlockingStub(daemon.channel());

        assertThatThrownBy(() -> noToken.getDaemonInfo(GetDaemonInfoRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("missing or wrong bearer token");
                });
        HealthCheckResponse health = HealthGrpc.newBlockingStub(daemon.channel()).check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void reflectionListsTheFlightdeckServicesToStandardToolsThatSendTheToken() throws Exception {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + InProcessDaemon.TOKEN);
        var stub = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(daemon.channel())
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
        java.util.concurrent.CompletableFuture<java.util.List<String>> names = new java.util.concurrent.CompletableFuture<>();
        var requests = stub.serverReflectionInfo(new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
                names.complete(r.getListServicesResponse().getServiceList().stream()
                        .map(io.grpc.reflection.v1.ServiceResponse::getName).toList());
            }

            @Override
            public void onError(Throwable t) {
                names.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());

        assertThat(names.get(10, java.util.concurrent.TimeUnit.SECONDS)).contains("flightdeck.v1.RunService",
                "flightdeck.v1.BundleService", "flightdeck.v1.DaemonService", "grpc.health.v1.Health");
        requests.onCompleted();
    }

    @Test
    void daemonInfoReportsVersionDataDirAndPid() {
        DaemonStatus info = daemon.client().daemonInfo();

        assertThat(info.version()).isEqualTo("test");
        assertThat(info.dataDir()).isEqualTo(dir.toAbsolutePath().toString());
        assertThat(info.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(info.startedAt()).isNotNull();
    }
}
