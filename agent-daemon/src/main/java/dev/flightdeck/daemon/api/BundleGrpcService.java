package dev.flightdeck.daemon.api;

import dev.flightdeck.daemon.bundle.BundleRegistry;
import dev.flightdeck.daemon.bundle.BundleVersion;
import dev.flightdeck.daemon.bundle.PushResult;
import dev.flightdeck.daemon.engine.EventCodec;
import dev.flightdeck.proto.v1.Bundle;
import dev.flightdeck.proto.v1.BundleServiceGrpc;
import dev.flightdeck.proto.v1.GetBundleRequest;
import dev.flightdeck.proto.v1.ListBundlesRequest;
import dev.flightdeck.proto.v1.ListBundlesResponse;
import dev.flightdeck.proto.v1.PushBundleRequest;
import dev.flightdeck.proto.v1.PushBundleResponse;
import io.grpc.stub.StreamObserver;

import java.util.List;

/** BundleService: push, read and list bundle versions. */
public final class BundleGrpcService extends BundleServiceGrpc.BundleServiceImplBase {
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 500;

    private final BundleRegistry bundles;
    private final ProtoConverter convert;
    private final Unary unary;

    public BundleGrpcService(BundleRegistry bundles, EventCodec codec) {
        this.bundles = bundles;
        this.convert = new ProtoConverter(codec);
        this.unary = new Unary(new StatusMapper());
    }

    @Override
    public void pushBundle(PushBundleRequest request, StreamObserver<PushBundleResponse> observer) {
        unary.answer(observer, () -> {
            PushResult r = bundles.push(request.getYaml());
            return PushBundleResponse.newBuilder().setName(r.name()).setVersionId(r.versionId())
                    .setCreated(r.created()).build();
        });
    }

    @Override
    public void getBundle(GetBundleRequest request, StreamObserver<Bundle> observer) {
        unary.answer(observer, () -> convert.bundle(bundles.get(request.getName(), request.getVersion()), false));
    }

    @Override
    public void listBundles(ListBundlesRequest request, StreamObserver<ListBundlesResponse> observer) {
        unary.answer(observer, () -> {
            int size = PageTokens.pageSize(request.getPageSize(), DEFAULT_PAGE, MAX_PAGE);
            String name = request.getName();
            String filters = "name=" + name;
            String keyset = PageTokens.keyset("ListBundles", filters, request.getPageToken());
            List<BundleVersion> page;
            if (name.isEmpty()) {
                page = bundles.listLatest(keyset, size + 1);
            } else {
                long before;
                try {
                    before = keyset.isEmpty() ? 0 : Long.parseLong(keyset);
                } catch (NumberFormatException e) {
                    throw new dev.flightdeck.daemon.error.InvalidArgumentException(
                            "page_token: not a token issued by ListBundles for these filters");
                }
                page = bundles.listVersions(name, before, size + 1);
            }
            ListBundlesResponse.Builder b = ListBundlesResponse.newBuilder();
            page.stream().limit(size).forEach(v -> b.addBundles(convert.bundle(v, true)));
            if (page.size() > size) {
                BundleVersion last = page.get(size - 1);
                b.setNextPageToken(PageTokens.issue("ListBundles", filters,
                        name.isEmpty() ? last.name() : Long.toString(last.seq())));
            }
            return b.build();
        });
    }
}
