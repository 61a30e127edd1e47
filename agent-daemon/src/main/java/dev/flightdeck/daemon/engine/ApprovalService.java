package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.approval.ApprovalDecision;
import dev.flightdeck.daemon.approval.ApprovalKind;
import dev.flightdeck.daemon.approval.ApprovalQuery;
import dev.flightdeck.daemon.approval.ApprovalRecord;
import dev.flightdeck.daemon.approval.ApprovalState;
import dev.flightdeck.daemon.approval.ApprovalWrite;
import dev.flightdeck.daemon.approval.SecretRedactor;
import dev.flightdeck.daemon.bundle.ArgumentsCheck;
import dev.flightdeck.daemon.bundle.BundleProblem;
import dev.flightdeck.daemon.error.FailedPreconditionException;
import dev.flightdeck.daemon.error.InvalidArgumentException;
import dev.flightdeck.daemon.error.NotFoundException;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.store.ApprovalRepository;
import dev.flightdeck.daemon.store.RunRepository;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * What the API does with approvals: list, follow, decide. A decision is accepted once: it is
 * committed with the run's {@code approval_decided} event in one transaction while the run is
 * held (no worker executes it), then the run is re-scheduled and executes (or not) from its
 * history. Repeats with the same request id, or of the same decision, return the first result.
 */
public final class ApprovalService {
    public static final int MAX_TEXT_CHARS = 4000;
    public static final int MAX_NAME_CHARS = 200;
    public static final int MAX_JSON_BYTES = 1024 * 1024;

    private final ApprovalRepository approvals;
    private final RunRepository runs;
    private final EventLog log;
    private final RunScheduler scheduler;
    private final RunFeed feed;
    private final SecretRedactor redactor;

    public ApprovalService(ApprovalRepository approvals, RunRepository runs, EventLog log, RunScheduler scheduler,
                           RunFeed feed, SecretRedactor redactor) {
        this.approvals = approvals;
        this.runs = runs;
        this.log = log;
        this.scheduler = scheduler;
        this.feed = feed;
        this.redactor = redactor;
    }

    /** Approvals matching the query, newest first, with secrets redacted. */
    public List<ApprovalRepository.Row> list(ApprovalQuery query) {
        return approvals.list(query).stream()
                .map(r -> new ApprovalRepository.Row(r.approval().redacted(redactor), r.seq())).toList();
    }

    public ApprovalRecord get(String approvalId) {
        if (approvalId == null || approvalId.isBlank()) {
            throw new InvalidArgumentException("approval_id: must not be empty");
        }
        return approvals.find(approvalId).map(a -> a.redacted(redactor))
                .orElseThrow(() -> new NotFoundException("approval_id: unknown approval \"" + approvalId + "\""));
    }

    /** What watchers see: every created, decided or closed approval, redacted. */
    public RunFeed.Registration onApprovals(RunFeed.ApprovalListener listener) {
        return feed.onApprovals(a -> listener.onApproval(a.redacted(redactor)));
    }

    /**
     * Decides an approval and re-schedules its run. Bad input fails here; the decision itself is
     * applied once no worker holds the run, without a thread waiting for that, unless
     * {@code caller} stops waiting first ({@link RunScheduler#whenHeld}: then it is never applied).
     *
     * @return completes with the approval as decided (or the refusal) once the decision is applied
     */
    public CompletableFuture<ApprovalRecord> decide(DecideApprovalCommand cmd, CallerWait caller) {
        ApprovalRecord approval = get(cmd.approvalId());
        validate(cmd, approval);
        return scheduler.whenHeld(approval.runId(), () -> {
            ApprovalRecord current = approvals.find(approval.approvalId()).orElseThrow();
            if (current.state() == ApprovalState.DECIDED) {
                return repeatOf(current, cmd);
            }
            if (current.state() == ApprovalState.CLOSED) {
                throw new FailedPreconditionException("approval " + current.approvalId() + " can no longer be decided: "
                        + current.decisionReason());
            }
            RunRecord run = runs.find(current.runId()).orElseThrow();
            if (run.status().isTerminal()) {
                throw new FailedPreconditionException("approval " + current.approvalId() + " can no longer be decided: "
                        + "its run ended " + run.status().name());
            }
            ApprovalWrite.Decide write = new ApprovalWrite.Decide(current.approvalId(), cmd.decision(), cmd.reviewer(),
                    cmd.reason(), cmd.editedArgumentsJson(), cmd.manualResultJson(), cmd.requestId(), null);
            log.append(run, current.step(), new EventPayload.ApprovalDecided(current.approvalId(), cmd.decision(),
                    cmd.editedArgumentsJson(), cmd.reviewer(), cmd.reason(), cmd.manualResultJson(), cmd.requestId()),
                    write);
            return null;
        }, caller).thenApply(repeat -> {
            if (repeat != null) {
                return repeat.redacted(redactor); // nothing changed, nothing to schedule
            }
            scheduler.submit(approval.runId());
            return get(approval.approvalId());
        });
    }

    /** The first decision again when {@code cmd} repeats it; otherwise the refusal naming it. */
    private static ApprovalRecord repeatOf(ApprovalRecord first, DecideApprovalCommand cmd) {
        boolean sameRequest = !cmd.requestId().isEmpty() && cmd.requestId().equals(first.requestId());
        boolean sameDecision = first.decision() == cmd.decision()
                && Objects.equals(first.reviewer(), cmd.reviewer())
                && Objects.equals(first.decisionReason(), cmd.reason())
                && Objects.equals(first.editedArgumentsJson(), cmd.editedArgumentsJson())
                && Objects.equals(first.manualResultJson(), cmd.manualResultJson());
        if (sameRequest || sameDecision) {
            return first;
        }
        throw new FailedPreconditionException("approval " + first.approvalId() + " was already decided: "
                + first.decision().name() + " by " + first.reviewer() + " at " + first.decidedAt()
                + (first.decisionReason().isEmpty() ? "" : " (\"" + first.decisionReason() + "\")"));
    }

    private static void validate(DecideApprovalCommand cmd, ApprovalRecord approval) {
        if (cmd.decision() == null) {
            throw new InvalidArgumentException("decision: required; for this approval one of " + names(approval.kind()));
        }
        if (cmd.decision().kind() != approval.kind()) {
            throw new InvalidArgumentException("decision: " + cmd.decision().name() + " does not answer "
                    + describe(approval.kind()) + "; use one of " + names(approval.kind()));
        }
        if (cmd.reviewer().isEmpty()) {
            throw new InvalidArgumentException("reviewer: must name who decides");
        }
        if (cmd.reviewer().length() > MAX_NAME_CHARS) {
            throw new InvalidArgumentException("reviewer: must be at most " + MAX_NAME_CHARS + " characters");
        }
        if (cmd.requestId().length() > MAX_NAME_CHARS) {
            throw new InvalidArgumentException("request_id: must be at most " + MAX_NAME_CHARS + " characters");
        }
        if (cmd.reason().length() > MAX_TEXT_CHARS) {
            throw new InvalidArgumentException("reason: must be at most " + MAX_TEXT_CHARS + " characters");
        }
        if ((cmd.decision() == ApprovalDecision.REJECT || cmd.decision() == ApprovalDecision.FAIL_RUN)
                && cmd.reason().isEmpty()) {
            throw new InvalidArgumentException("reason: required for " + cmd.decision().name()
                    + (cmd.decision() == ApprovalDecision.REJECT ? " (the agent is told why)" : " (the run's message)"));
        }
        if (cmd.decision() == ApprovalDecision.APPROVE_WITH_EDITS) {
            if (cmd.editedArgumentsJson().isBlank()) {
                throw new InvalidArgumentException("edited_arguments_json: required for APPROVE_WITH_EDITS");
            }
            checkSize(cmd.editedArgumentsJson(), "edited_arguments_json");
            fail(ArgumentsCheck.check(approval.parametersJson(), cmd.editedArgumentsJson(), "edited_arguments_json"));
        } else if (!cmd.editedArgumentsJson().isEmpty()) {
            throw new InvalidArgumentException("edited_arguments_json: only for APPROVE_WITH_EDITS, not "
                    + cmd.decision().name());
        }
        if (cmd.decision() == ApprovalDecision.RECORD_RESULT) {
            if (cmd.manualResultJson().isBlank()) {
                throw new InvalidArgumentException("manual_result_json: required for RECORD_RESULT");
            }
            checkSize(cmd.manualResultJson(), "manual_result_json");
            fail(ArgumentsCheck.parses(cmd.manualResultJson(), "manual_result_json"));
        } else if (!cmd.manualResultJson().isEmpty()) {
            throw new InvalidArgumentException("manual_result_json: only for RECORD_RESULT, not " + cmd.decision().name());
        }
    }

    private static void checkSize(String json, String field) {
        if (json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_JSON_BYTES) {
            throw new InvalidArgumentException(field + ": must be at most " + MAX_JSON_BYTES + " bytes");
        }
    }

    private static void fail(List<BundleProblem> problems) {
        if (!problems.isEmpty()) {
            throw new InvalidArgumentException(problems.stream().map(BundleProblem::toString)
                    .collect(Collectors.joining("; ")));
        }
    }

    private static String names(ApprovalKind kind) {
        return kind.decisions().stream().map(Enum::name).collect(Collectors.joining(", "));
    }

    private static String describe(ApprovalKind kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ').replace("tool call", "tool call approval")
                .replaceFirst("^gated", "a gated").replaceFirst("^ambiguous", "an ambiguous");
    }
}
