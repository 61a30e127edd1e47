package dev.flightdeck.daemon.api;

import dev.flightdeck.proto.v1.DaemonInfo;
import dev.flightdeck.proto.v1.DaemonServiceGrpc;
import dev.flightdeck.proto.v1.GetDaemonInfoRequest;
import io.grpc.stub.StreamObserver;

/** DaemonService: facts about this daemon. */
public final class DaemonInfoGrpcService extends DaemonServiceGrpc.DaemonServiceImplBase {
    private final DaemonFacts facts;

    public DaemonInfoGrpcService(DaemonFacts facts) {
        this.facts = facts;
    }

    @Override
    public void getDaemonInfo(GetDaemonInfoRequest request, StreamObserver<DaemonInfo> observer) {
        observer.onNext(DaemonInfo.newBuilder().setVersion(facts.version())
                .setDataDir(facts.dataDir().toAbsolutePath().toString()).setPid(facts.pid())
                .setStartedAt(ProtoConverter.timestamp(facts.startedAt())).build());
        observer.onCompleted();
    }
}
