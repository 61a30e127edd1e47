package dev.flightdeck.daemon.api;

import dev.flightdeck.daemon.approval.ApprovalRecord;
import dev.flightdeck.daemon.approval.ApprovalQuery;
import dev.flightdeck.daemon.approval.ApprovalState;
import dev.flightdeck.daemon.engine.ApprovalService;
import dev.flightdeck.daemon.engine.DecideApprovalCommand;
import dev.flightdeck.daemon.engine.EventCodec;
import dev.flightdeck.daemon.store.ApprovalRepository;
import dev.flightdeck.proto.v1.Approval;
import dev.flightdeck.proto.v1.ApprovalServiceGrpc;
import dev.flightdeck.proto.v1.DecideApprovalRequest;
import dev.flightdeck.proto.v1.ListApprovalsRequest;
import dev.flightdeck.proto.v1.ListApprovalsResponse;
import dev.flightdeck.proto.v1.WatchApprovalsRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.concurrent.Executor;

/** ApprovalService: list, follow and decide approvals. */
public final class ApprovalGrpcService extends ApprovalServiceGrpc.ApprovalServiceImplBase {
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 500;

    private final ApprovalService approvals;
    private final ProtoConverter convert;
    private final StatusMapper errors = new StatusMapper();
    private final Unary unary = new Unary(errors);
    private final Executor streamExecutor;

    /** @param streamExecutor bounded executor that feeds WatchApprovals streams */
    public ApprovalGrpcService(ApprovalService approvals, EventCodec codec, Executor streamExecutor) {
        this.approvals = approvals;
        this.convert = new ProtoConverter(codec);
        this.streamExecutor = streamExecutor;
    }

    @Override
    public void listApprovals(ListApprovalsRequest request, StreamObserver<ListApprovalsResponse> observer) {
        unary.answer(observer, () -> {
            int size = PageTokens.pageSize(request.getPageSize(), DEFAULT_PAGE, MAX_PAGE);
            ApprovalState state = ProtoConverter.state(request.getState());
            String tenant = TenantFilters.of(request.getTenant());
            String filters = "state=" + (state == null ? "" : state.name()) + "|run_id=" + request.getRunId()
                    + "|tenant=" + tenant;
            String keyset = PageTokens.keyset("ListApprovals", filters, request.getPageToken());
            long before;
            try {
                before = keyset.isEmpty() ? 0 : Long.parseLong(keyset);
            } catch (NumberFormatException e) {
                throw new dev.flightdeck.daemon.error.InvalidArgumentException(
                        "page_token: not a token issued by ListApprovals for these filters");
            }
            List<ApprovalRepository.Row> page = approvals.list(new ApprovalQuery(state, request.getRunId(),
                    tenant, before, size + 1));
            ListApprovalsResponse.Builder b = ListApprovalsResponse.newBuilder();
            page.stream().limit(size).forEach(r -> b.addApprovals(convert.approval(r.approval())));
            if (page.size() > size) {
                b.setNextPageToken(PageTokens.issue("ListApprovals", filters, Long.toString(page.get(size - 1).seq())));
            }
            return b.build();
        });
    }

    @Override
    public void watchApprovals(WatchApprovalsRequest request, StreamObserver<Approval> observer) {
        String tenant = TenantFilters.of(request.getTenant());
        String runId = request.getRunId();
        new ChangeStream<ApprovalRecord, Approval>((ServerCallStreamObserver<Approval>) observer,
                l -> approvals.onApprovals(l::accept),
                a -> (tenant.isEmpty() || tenant.equals(a.tenant())) && (runId.isEmpty() || runId.equals(a.runId())),
                ApprovalRecord::approvalId, convert::approval,
                "the client reads approvals too slowly; list approvals again and re-subscribe", errors, streamExecutor)
                .start();
    }

    @Override
    public void decideApproval(DecideApprovalRequest request, StreamObserver<Approval> observer) {
        unary.answerLater(observer, caller -> approvals.decide(new DecideApprovalCommand(
                request.getApprovalId(), ProtoConverter.decision(request.getDecision()),
                request.getEditedArgumentsJson(), request.getManualResultJson(), request.getReason(),
                request.getReviewer(), request.getRequestId()), caller).thenApply(convert::approval));
    }
}
