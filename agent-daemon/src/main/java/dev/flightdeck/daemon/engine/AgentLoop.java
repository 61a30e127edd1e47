package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.approval.ApprovalDecision;
import dev.flightdeck.daemon.approval.ApprovalKind;
import dev.flightdeck.daemon.approval.ApprovalRecord;
import dev.flightdeck.daemon.approval.ApprovalWrite;
import dev.flightdeck.daemon.bundle.BundleRegistry;
import dev.flightdeck.daemon.bundle.BundleSpec;
import dev.flightdeck.daemon.bundle.ToolPolicy;
import dev.flightdeck.daemon.bundle.ToolSpec;
import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.ModelCallException;
import dev.flightdeck.daemon.model.ModelProvider;
import dev.flightdeck.daemon.model.ModelProviders;
import dev.flightdeck.daemon.model.ModelReply;
import dev.flightdeck.daemon.model.ModelRequest;
import dev.flightdeck.daemon.model.OfferedTool;
import dev.flightdeck.daemon.model.ToolCall;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.run.TerminalReason;
import dev.flightdeck.daemon.store.RunEventRepository;
import dev.flightdeck.daemon.store.RunRepository;
import dev.flightdeck.daemon.tool.ToolExecutor;
import dev.flightdeck.daemon.tool.ToolOutcome;

import dev.flightdeck.daemon.cost.PriceTable;
import dev.flightdeck.daemon.model.Usage;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The agent loop. One step = one model call and the tool calls it asked for. Every decision is
 * taken from the run's committed events (folded into {@link RunProgress}), and every event is
 * committed before the action it announces, so the loop can stop anywhere and continue later
 * without repeating a model or tool call whose result is committed.
 *
 * <p>Model calls are asynchronous: once {@code model_requested} is committed the loop starts the
 * call and returns {@link Outcome#AWAITING_MODEL}, holding no thread while the model thinks. When
 * the call completes, the scheduler drives the run again and hands the completed call over through
 * {@link RunControl#takeModelCall()}; the loop commits its {@code model_responded} (or acts on its
 * failure) instead of issuing the committed request again. A daemon that dies meanwhile leaves the
 * request without a response, and the next daemon issues it again (it has no side effects).
 *
 * <p>Tool calls are asynchronous the same way: once {@code tool_call_started} is committed the
 * tool runs on a tool thread ({@link ToolExecutor#start}) and the loop returns
 * {@link Outcome#AWAITING_TOOL}; the next drive records its result first
 * ({@link RunControl#takeToolCall()}), before it looks at anything else (a cancel included), so a
 * call that ran always has its result recorded. So a worker only ever does a step's CPU work, and
 * a slow tool holds no worker (ADR 0020). A daemon that dies meanwhile leaves the call started
 * without a result: retried if the tool is idempotent, else put to a human.
 */
public final class AgentLoop {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AgentLoop.class);
    /**
     * The largest tool result a run records: as large as a result a reviewer may record by hand
     * ({@link ApprovalService#MAX_JSON_BYTES}). A result goes into the run's history whole, in its
     * tool_call_finished event and again in the next model_requested, so an unbounded one could
     * outgrow the write journal's record and fail the step with a bare internal error.
     */
    static final int MAX_TOOL_RESULT_BYTES = ApprovalService.MAX_JSON_BYTES;
    /** Why {@link #drive} returned. */
    public enum Outcome {
        /** The run is terminal. */
        FINISHED,
        /** The run waits for a human; no thread holds it. */
        WAITING,
        /** The daemon is stopping; the run stays RUNNING and resumes on the next start. */
        PAUSED,
        /**
         * A model call is in flight (handed to {@link RunControl#awaitModelCall}); no thread holds
         * the run. Drive it again once the call is complete.
         */
        AWAITING_MODEL,
        /**
         * A tool call is executing on a tool thread (handed to {@link RunControl#awaitToolCall}); no
         * thread of the run's waits for it. Drive it again once the call is complete.
         */
        AWAITING_TOOL,
        /**
         * The run committed a model answer and gave its worker up for a run waiting for one
         * ({@link RunControl#yieldWorker}); it keeps its place. Drive it again.
         */
        YIELDED
    }

    /**
     * Where a run stopped when it returned {@link Outcome#AWAITING_MODEL} or {@link Outcome#YIELDED}
     * still held: its row and state, so the next drive goes on without reading its history again.
     * Only valid while nobody else can write to the run (the scheduler's hold).
     */
    record Kept(RunRecord run, RunProgress progress, BundleSpec spec) {
    }

    /** A tool call whose {@code tool_call_started} is committed, executing; {@code call} has the arguments it runs with. */
    record ToolInFlight(ToolCall call, CompletableFuture<ToolOutcome> outcome) {
    }

    private final RunRepository runs;
    private final RunEventRepository events;
    private final EventCodec codec;
    private final EventLog log;
    private final BundleRegistry bundles;
    private final ModelProviders providers;
    private final ToolExecutor tools;
    private final PriceTable prices;
    private final TenantBudgets budgets;
    private final Clock clock;

    public AgentLoop(RunRepository runs, RunEventRepository events, EventCodec codec, EventLog log,
                     BundleRegistry bundles, ModelProviders providers, ToolExecutor tools) {
        this(runs, events, codec, log, bundles, providers, tools, PriceTable.EMPTY, Clock.systemUTC());
    }

    /**
     * @param prices model prices, for the cost of each call and the {@code max_cost_usd} guardrail
     * @param clock  for the {@code max_wall_time_seconds} guardrail
     */
    public AgentLoop(RunRepository runs, RunEventRepository events, EventCodec codec, EventLog log,
                     BundleRegistry bundles, ModelProviders providers, ToolExecutor tools, PriceTable prices,
                     Clock clock) {
        this(runs, events, codec, log, bundles, providers, tools, prices, TenantBudgets.NONE, clock);
    }

    /**
     * @param prices  model prices, for the cost of each call and the cost guardrails
     * @param budgets per-tenant daily budgets, checked before each model call
     * @param clock   for the {@code max_wall_time_seconds} guardrail and the UTC day of a budget
     */
    public AgentLoop(RunRepository runs, RunEventRepository events, EventCodec codec, EventLog log,
                     BundleRegistry bundles, ModelProviders providers, ToolExecutor tools, PriceTable prices,
                     TenantBudgets budgets, Clock clock) {
        this.prices = prices;
        this.budgets = budgets;
        this.clock = clock;
        this.runs = runs;
        this.events = events;
        this.codec = codec;
        this.log = log;
        this.bundles = bundles;
        this.providers = providers;
        this.tools = tools;
    }

    /** Continues {@code runId} from its last committed event until it finishes, waits or must pause. */
    Outcome drive(String runId, RunControl control) {
        Kept kept = control.takeKept();
        if (kept == null) {
            RunRecord run = runs.find(runId).orElseThrow(() -> new IllegalStateException("run " + runId + " vanished"));
            if (run.status().isTerminal()) {
                return Outcome.FINISHED;
            }
            BundleSpec spec = bundles.get(run.bundleName(), run.bundleVersion()).spec();
            kept = restore(Map.of(runId, run), Map.of(runId, spec), true).get(runId);
        }
        Drive d = new Drive(kept.run(), kept.progress(), kept.spec(), control);
        Outcome outcome = d.loop();
        d.commit(); // before the run is handed back: whoever drives it next reads what is committed
        if (outcome != Outcome.AWAITING_MODEL) {
            budgets.release(d.run.tenant(), runId); // no call of the run is in flight any more
        }
        if (outcome == Outcome.AWAITING_MODEL || outcome == Outcome.AWAITING_TOOL || outcome == Outcome.YIELDED) {
            control.keep(new Kept(d.run, d.progress, d.spec));
        }
        return outcome;
    }

    /**
     * The states of runs picked up together, read with one query for their rows and one for their
     * events, for {@link RunControl#keep}: only valid while they are held. Terminal runs, and runs
     * whose state cannot be rebuilt here (their drive reads them again and reports why), are left out.
     */
    Map<String, Kept> restore(Collection<String> runIds) {
        Map<String, RunRecord> live = new HashMap<>();
        Map<String, BundleSpec> specs = new HashMap<>();
        Map<String, BundleSpec> specOfVersion = new HashMap<>();
        for (RunRecord run : runs.findAll(runIds)) {
            if (run.status().isTerminal()) {
                continue;
            }
            try {
                BundleSpec spec = specOfVersion.computeIfAbsent(run.bundleName() + "@" + run.bundleVersion(),
                        v -> bundles.get(run.bundleName(), run.bundleVersion()).spec());
                live.put(run.runId(), run);
                specs.put(run.runId(), spec);
            } catch (RuntimeException e) {
                LOG.debug("run {} is restored by its worker instead: {}", run.runId(), e.toString());
            }
        }
        return restore(live, specs, false);
    }

    /**
     * Rebuilds the progress of each run in {@code live} from its events, streamed one at a time
     * (a run's state holds what its events say, not the events). A run whose events cannot be read
     * fails the call when {@code strict}, else is left out (its worker reads it again and reports why).
     */
    private Map<String, Kept> restore(Map<String, RunRecord> live, Map<String, BundleSpec> specs, boolean strict) {
        Map<String, RunProgress> progress = new HashMap<>();
        Map<String, RuntimeException> unreadable = new HashMap<>();
        events.forEachPayload(live.keySet(), e -> {
            if (unreadable.containsKey(e.runId())) {
                return;
            }
            try {
                progress.computeIfAbsent(e.runId(), k -> new RunProgress())
                        .apply(codec.payloadOf(e.runId(), e.sequence(), e.type(), e.payloadJson()));
            } catch (RuntimeException ex) {
                unreadable.put(e.runId(), ex);
            }
        });
        Map<String, Kept> kept = new HashMap<>();
        live.forEach((runId, run) -> {
            RuntimeException problem = unreadable.get(runId);
            if (problem != null && strict) {
                throw problem;
            } else if (problem != null) {
                LOG.debug("run {} is restored by its worker instead: {}", runId, problem.toString());
                return;
            }
            kept.put(runId, new Kept(run, progress.getOrDefault(runId, new RunProgress()), specs.get(runId)));
        });
        return kept;
    }

    /** Cancels a run no worker is executing (queued, or waiting for approval). */
    RunRecord cancelIdle(RunRecord run, EventPayload.CancelRequested request) {
        Drive d = new Drive(run, new RunProgress(), null, null);
        d.cancel(request);
        d.commit();
        budgets.release(run.tenant(), run.runId());
        return d.run;
    }

    /** Ends a run with FAILED/ERROR after an unexpected failure, if it is not terminal already. */
    void failUnexpectedly(String runId, String message) {
        try {
            runs.find(runId).ifPresent(r -> {
                budgets.release(r.tenant(), runId); // whatever failed, no call of the run goes on
                if (!r.status().isTerminal()) {
                    Drive d = new Drive(r, new RunProgress(), null, null);
                    d.fail(message);
                    d.commit();
                }
            });
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(AgentLoop.class).error("cannot record the failure of run {}", runId, e);
        }
    }

    /**
     * One execution of the loop for one run: the current row and state, advanced by each append.
     *
     * <p>Appends are staged in a {@link EventLog.Batch} and committed together at the next point
     * where the loop acts on them: before a model call starts, before a tool runs, before a tenant
     * budget check that must count a staged model answer, and before the run is handed back
     * ({@link #commit}, by the callers of {@link #loop}). Between those points the loop only
     * decides, from state that will be committed before anything is done with it (brief invariant
     * 1); a drive that throws drops what it staged, and the run continues from its committed events.
     */
    private final class Drive {
        private RunRecord run;
        private EventLog.Batch batch;
        private final List<Runnable> afterCommit = new ArrayList<>();
        private final RunProgress progress;
        private final BundleSpec spec;
        private final RunControl control;

        Drive(RunRecord run, RunProgress progress, BundleSpec spec, RunControl control) {
            this.run = run;
            this.progress = progress;
            this.spec = spec;
            this.control = control;
        }

        Outcome loop() {
            ToolInFlight ran = control.takeToolCall();
            if (ran != null) {
                recordResult(ran.call(), ran.outcome().join()); // it ran: recorded whatever comes next
            }
            while (true) {
                if (progress.finished()) {
                    return Outcome.FINISHED;
                }
                EventPayload.CancelRequested cancel = control.cancelRequest();
                if (cancel != null) {
                    cancel(cancel);
                    return Outcome.FINISHED;
                }
                if (control.abandonNow()) {
                    return Outcome.PAUSED;
                }
                if (progress.started() && wallTimeTripped()) {
                    continue;
                }
                if (!progress.started()) {
                    append(0, new EventPayload.RunStarted(run.bundleName(), run.bundleVersion(), run.tenant(), run.input()));
                    continue;
                }
                if (progress.awaitingResponse()) {
                    if (callModel()) {
                        return Outcome.AWAITING_MODEL;
                    }
                    if (!progress.finished() && control.yieldWorker()) {
                        return Outcome.YIELDED; // at most once per step: after its answer is committed
                    }
                    continue;
                }
                if (progress.lastResponse().map(r -> !r.message().toolCalls().isEmpty()).orElse(false)
                        && afterResponseTripped()) {
                    continue;
                }
                Optional<RunProgress.CallState> open = progress.nextOpenCall();
                if (open.isPresent()) {
                    Outcome waiting = handleCall(open.get());
                    if (waiting != null) {
                        return waiting;
                    }
                    continue;
                }
                Optional<EventPayload.ModelResponded> last = progress.lastResponse();
                if (last.isPresent() && last.get().message().toolCalls().isEmpty()) {
                    finish(RunStatus.SUCCEEDED, TerminalReason.COMPLETED,
                            "answered after " + steps(progress.steps()), last.get().message().content());
                    continue;
                }
                if (control.stopAtStepBoundary()) {
                    return Outcome.PAUSED;
                }
                int maxSteps = spec.limits().maxSteps();
                if (progress.steps() >= maxSteps) {
                    String message = "stopped after " + steps(progress.steps()) + " (max_steps = " + maxSteps + ")";
                    append(0, new EventPayload.GuardrailTripped(TerminalReason.STEP_LIMIT, steps(maxSteps),
                            steps(progress.steps()), message));
                    finish(RunStatus.FAILED, TerminalReason.STEP_LIMIT, message, "");
                    continue;
                }
                if (batch != null && batch.holds(EventPayload.ModelResponded.class)) {
                    commit(); // the tenant's spend today counts committed model calls only
                }
                if (beforeCallTripped()) {
                    continue;
                }
                requestModel();
            }
        }

        private List<ChatMessage> newMessages() {
            return progress.steps() == 0
                    ? List.of(ChatMessage.system(SystemPrompt.render(spec.systemPrompt(), run)), ChatMessage.user(run.input()))
                    : progress.pendingMessages();
        }

        // ------------------------------------------------------------ guardrails (invariant 3)

        /** Wall time since the run started, against {@code max_wall_time_seconds}. */
        private boolean wallTimeTripped() {
            long limit = spec.limits().maxWallTimeMs();
            if (limit <= 0 || run.startedAt() == null) {
                return false;
            }
            long elapsed = Duration.between(run.startedAt(), clock.instant()).toMillis();
            if (elapsed < limit) {
                return false;
            }
            trip(TerminalReason.TIMED_OUT, RunStatus.FAILED, seconds(limit), seconds(elapsed),
                    "timed out after " + seconds(elapsed) + " (max_wall_time_seconds = " + limit / 1000 + ")");
            return true;
        }

        /**
         * Before a model call: its worst case must fit in what is left of max_tokens and
         * max_cost_usd, and in what is left of the tenant's daily budget. The worst case is that of
         * the dearest model of the chain (primary and fallbacks), since any of them may answer.
         */
        private boolean beforeCallTripped() {
            long maxTokens = spec.limits().maxTokens();
            long maxCost = spec.limits().maxCostMicros();
            var dailyBudget = budgets.dailyLimit(run.tenant());
            if (maxTokens <= 0 && maxCost <= 0 && dailyBudget.isEmpty()) {
                return false;
            }
            List<ChatMessage> conversation = new java.util.ArrayList<>(progress.sentConversation());
            conversation.addAll(newMessages());
            WorstCase worst = worstCase(conversation);
            int call = progress.steps() + 1;
            if (maxTokens > 0) {
                long spent = run.usage().totalTokens();
                if (spent + worst.tokens.worstCaseTokens() > maxTokens) {
                    trip(TerminalReason.BUDGET_EXCEEDED, RunStatus.FAILED, maxTokens + " tokens",
                            (spent + worst.tokens.worstCaseTokens()) + " tokens (" + spent + " spent + "
                                    + worst.tokens.worstCaseTokens() + " worst case of the next call)",
                            "stopped before model call " + call + ": it could use " + worst.tokensText() + " on top of the "
                                    + spent + " tokens spent, more than max_tokens = " + maxTokens);
                    return true;
                }
            }
            if (maxCost > 0) {
                if (worst.unpriced != null || !run.usage().priced()) {
                    String model = worst.unpriced != null ? worst.unpriced : spec.model().provider() + "/"
                            + spec.model().model();
                    trip(TerminalReason.BUDGET_EXCEEDED, RunStatus.FAILED, usd(maxCost), "unpriced",
                            "stopped before model call " + call + ": model " + model + " is unpriced (no entry in "
                                    + "the pricing catalog, pricing.yaml or the daemon.yaml price table), so its cost "
                                    + "cannot be kept within max_cost_usd = " + usd(maxCost));
                    return true;
                }
                long spent = run.usage().costMicros();
                if (worst.micros > Long.MAX_VALUE - spent || spent + worst.micros > maxCost) {
                    trip(TerminalReason.BUDGET_EXCEEDED, RunStatus.FAILED, usd(maxCost),
                            usd(spent + worst.micros) + " (" + usd(spent) + " spent + " + usd(worst.micros)
                                    + " worst case of the next call)",
                            "stopped before model call " + call + ": it could cost " + usd(worst.micros) + " ("
                                    + worst.tokensText() + ") on top of the " + usd(spent)
                                    + " spent, more than max_cost_usd = " + usd(maxCost));
                    return true;
                }
            }
            if (dailyBudget.isPresent()) {
                return tenantBudgetTripped(dailyBudget.getAsLong(), worst, call);
            }
            return false;
        }

        /**
         * The tenant's spend today, plus the worst cases reserved by its other calls in flight,
         * plus the next call's worst case must stay within its daily budget; if it does, that
         * worst case is reserved until the call's answer is committed or the call ends otherwise.
         */
        private boolean tenantBudgetTripped(long budget, WorstCase worst, int call) {
            String tenant = run.tenant();
            String limit = "tenant " + tenant + " daily budget " + usd(budget);
            String setting = "tenants." + tenant + ".daily_budget_usd";
            if (worst.unpriced != null) {
                trip(TerminalReason.BUDGET_EXCEEDED, RunStatus.FAILED, limit, "unpriced",
                        "stopped before model call " + call + ": model " + worst.unpriced + " is unpriced, so its "
                                + "cost cannot be kept within the daily budget of tenant \"" + tenant + "\" ("
                                + setting + " = " + usd(budget) + ")");
                return true;
            }
            TenantBudgets.Admission a = budgets.admit(tenant, run.runId(), worst.micros, clock.instant());
            if (!a.admitted()) {
                trip(TerminalReason.BUDGET_EXCEEDED, RunStatus.FAILED, limit,
                        usd(a.totalMicros()) + " (" + usd(a.spentMicros()) + " spent today + "
                                + usd(a.reservedMicros()) + " reserved by calls in flight + " + usd(worst.micros)
                                + " worst case of the next call)",
                        "stopped before model call " + call + ": tenant \"" + tenant + "\" has spent "
                                + usd(a.spentMicros()) + " today (UTC " + a.day() + ") and its calls in flight may cost "
                                + usd(a.reservedMicros()) + "; this call could cost " + usd(worst.micros) + " ("
                                + worst.tokensText() + "), more than its daily budget of " + usd(budget) + " ("
                                + setting + ")");
                return true;
            }
            return false;
        }

        /**
         * A committed request whose call was not admitted in this process (the daemon restarted
         * since): admitted against the tenant's daily budget again before it is re-issued.
         */
        private boolean reissueTripped() {
            var dailyBudget = budgets.dailyLimit(run.tenant());
            if (dailyBudget.isEmpty() || budgets.holdsReservation(run.tenant(), run.runId())) {
                return false;
            }
            return tenantBudgetTripped(dailyBudget.getAsLong(), worstCase(progress.sentConversation()), progress.steps());
        }

        /**
         * The worst case of the next call over the model chain: the most tokens and the highest
         * cost any model of the chain could use, or the first unpriced model.
         */
        private WorstCase worstCase(List<ChatMessage> conversation) {
            List<dev.flightdeck.daemon.bundle.ModelSpec> chain = new java.util.ArrayList<>();
            chain.add(spec.model());
            chain.addAll(spec.model().fallbacks());
            java.time.Instant now = clock.instant();
            CallEstimate most = null;
            long micros = 0;
            String unpriced = null;
            for (var m : chain) {
                CallEstimate e = CallEstimate.of(m.provider(), m.model(), conversation, spec.tools(), m.parametersJson());
                if (most == null || e.worstCaseTokens() > most.worstCaseTokens()) {
                    most = e;
                }
                var price = prices.find(m.provider(), m.model(), now);
                if (price.isEmpty()) {
                    unpriced = unpriced == null ? m.provider() + "/" + m.model() : unpriced;
                } else {
                    micros = Math.max(micros, price.get().worstCaseMicros(e.inputTokens(), e.maxOutputTokens()));
                }
            }
            return new WorstCase(most, micros, unpriced);
        }

        /**
         * After an answer that asks for tools (so the run would go on): the totals must still be
         * within the limits, and the model must not be going round in circles.
         */
        private boolean afterResponseTripped() {
            long maxTokens = spec.limits().maxTokens();
            long spentTokens = run.usage().totalTokens();
            if (maxTokens > 0 && spentTokens > maxTokens) {
                trip(TerminalReason.BUDGET_EXCEEDED, RunStatus.FAILED, maxTokens + " tokens", spentTokens + " tokens",
                        "stopped after model call " + progress.steps() + ": the run has used " + spentTokens
                                + " tokens, more than max_tokens = " + maxTokens);
                return true;
            }
            long maxCost = spec.limits().maxCostMicros();
            long spentCost = run.usage().costMicros();
            if (maxCost > 0 && spentCost > maxCost) {
                trip(TerminalReason.BUDGET_EXCEEDED, RunStatus.FAILED, usd(maxCost), usd(spentCost),
                        "stopped after model call " + progress.steps() + ": the run has cost " + usd(spentCost)
                                + ", more than max_cost_usd = " + usd(maxCost));
                return true;
            }
            int threshold = spec.limits().loopThreshold();
            if (threshold <= 0) {
                return false;
            }
            if (progress.sameOutputStreak() >= threshold) {
                trip(TerminalReason.LOOP_DETECTED, RunStatus.FAILED, threshold + " identical answers in a row",
                        progress.sameOutputStreak() + " identical answers in a row",
                        "loop detected: the model gave the same answer " + progress.sameOutputStreak()
                                + " times in a row: " + abbreviate(progress.lastOutput()) + " (loop_threshold = "
                                + threshold + ")");
                return true;
            }
            var repeated = progress.mostRepeatedCallOfLatestAnswer();
            if (repeated.isPresent() && repeated.get().count() >= threshold) {
                ToolCall c = repeated.get().call();
                trip(TerminalReason.LOOP_DETECTED, RunStatus.FAILED, threshold + " identical tool calls",
                        repeated.get().count() + " calls of " + c.toolName() + " with the same arguments",
                        "loop detected: the model called tool \"" + c.toolName() + "\" " + repeated.get().count()
                                + " times with the same arguments " + abbreviate(RunProgress.canonicalArguments(
                                c.argumentsJson())) + " (loop_threshold = " + threshold + ")");
                return true;
            }
            return false;
        }

        private void trip(TerminalReason reason, RunStatus status, String limit, String observed, String message) {
            append(0, new EventPayload.GuardrailTripped(reason, limit, observed, message));
            finish(status, reason, message, "");
        }

        private void requestModel() {
            List<ChatMessage> newMessages = newMessages();
            int messageCount = progress.sentConversation().size() + newMessages.size();
            append(progress.steps() + 1, new EventPayload.ModelRequested(spec.model().provider(), spec.model().model(),
                    newMessages, messageCount, spec.tools().stream().map(ToolSpec::name).toList()));
        }

        /**
         * Commits the answer to the committed request: of the call handed over by the scheduler if
         * there is one, else of a call started now. A call that does not answer at once is left in
         * flight with {@link RunControl#awaitModelCall}.
         *
         * @return true when the call is in flight (the loop returns and holds no thread)
         */
        private boolean callModel() {
            CompletableFuture<ModelReply> call = control.takeModelCall();
            if (call == null || abandonedWithoutReason(call)) {
                if (reissueTripped()) {
                    return false;
                }
                ModelProvider provider;
                try {
                    provider = providers.get(spec.model().provider());
                } catch (ModelCallException e) {
                    fail("model call failed: " + e.getMessage());
                    return false;
                }
                commit(); // model_requested
                List<OfferedTool> offered = spec.tools().stream()
                        .map(t -> new OfferedTool(t.name(), t.description(), t.parametersJson())).toList();
                call = provider.call(new ModelRequest(spec.model().provider(), spec.model().model(),
                        spec.model().parametersJson(), spec.model().scriptJson(), progress.sentConversation(), offered,
                        run.bundleName(), ModelTargets.of(spec.model())));
                if (!call.isDone()) {
                    long wallLeft = wallTimeLeftMs();
                    if (wallLeft >= 0) {
                        // Abandoned when the run's wall time is up: the loop then ends it TIMED_OUT.
                        call.orTimeout(Math.max(1, wallLeft), TimeUnit.MILLISECONDS);
                    }
                    control.awaitModelCall(call);
                    return true;
                }
            }
            ModelReply reply;
            try {
                reply = call.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof ModelCallException m) {
                    fail("model call failed: " + m.getMessage());
                    return false;
                }
                throw e; // a bug, not the model: the scheduler fails the run with an error id
            }
            // Priced by the provider and model that actually answered (a fallback may have served the call).
            String answeredBy = reply.provider().isEmpty() ? spec.model().provider() : reply.provider();
            Usage usage = prices.price(answeredBy, reply.model(), clock.instant(), reply.usage());
            RunEventRecord answered = append(progress.steps(), new EventPayload.ModelResponded(answeredBy,
                    reply.model(), reply.message(), reply.finishReason(), usage, reply.latencyMs(), reply.attempts()));
            long costMicros = usage.priced() ? usage.costMicros() : 0;
            // Counted in the tenant's spend only once the answer is committed (a rolled-back batch never counts).
            afterCommit(() -> budgets.settle(run.tenant(), run.runId(), costMicros, answered.occurredAt()));
            return false;
        }

        /**
         * A call cancelled or timed out, though the loop found no cancel, drain or wall-time limit to
         * stop for (e.g. its timer fired a moment before the run's clock reached the limit): the
         * request has no answer, so it is issued again.
         */
        private boolean abandonedWithoutReason(CompletableFuture<ModelReply> call) {
            if (call.isCancelled()) {
                return true;
            }
            try {
                call.join();
                return false;
            } catch (CancellationException e) {
                return true;
            } catch (CompletionException e) {
                return e.getCause() instanceof TimeoutException;
            }
        }

        /** Milliseconds left of the run's wall time, or -1 when it has no limit. */
        private long wallTimeLeftMs() {
            long limit = spec.limits().maxWallTimeMs();
            if (limit <= 0 || run.startedAt() == null) {
                return -1;
            }
            return Math.max(0, limit - Duration.between(run.startedAt(), clock.instant()).toMillis());
        }

        /** Advances one tool call by one event; returns WAITING or FINISHED when the loop must stop. */
        private Outcome handleCall(RunProgress.CallState c) {
            ToolSpec tool = spec.tools().stream().filter(t -> t.name().equals(c.call.toolName())).findFirst().orElse(null);
            if (tool == null) {
                fail("the model called unknown tool \"" + c.call.toolName() + "\"; the bundle declares: "
                        + spec.tools().stream().map(ToolSpec::name).collect(Collectors.joining(", ")));
                return Outcome.FINISHED;
            }
            int step = progress.steps();
            if (!c.proposed()) {
                append(step, new EventPayload.ToolCallProposed(c.call, tool.policy(),
                        "bundle policy for tool \"" + tool.name() + "\": " + tool.policy().name().toLowerCase(java.util.Locale.ROOT)));
                return null;
            }
            if (c.pendingApprovalId != null) {
                return Outcome.WAITING; // asked already; a decision re-schedules the run
            }
            if (c.policy == ToolPolicy.DENY) {
                append(step, new EventPayload.ToolCallFinished(c.call.callId(), c.call.toolName(),
                        ToolExecutor.errorJson("denied by policy"), true, 0));
                return null;
            }
            EventPayload.ApprovalDecided ambiguous = c.freshAmbiguousDecision();
            if (ambiguous != null) {
                return decideAmbiguous(tool, c, ambiguous);
            }
            if (c.interrupted()) {
                if (!tool.idempotent()) {
                    return gate(c, tool, ApprovalKind.AMBIGUOUS_TOOL_CALL, "ambiguous tool call: the daemon stopped "
                            + "while it was executing, and the tool is not idempotent");
                }
                return execute(tool, c, c.startedArgumentsJson); // harmless to repeat, with the same arguments
            }
            if (c.policy == ToolPolicy.ALLOW) {
                return execute(tool, c, c.call.argumentsJson());
            }
            // ASK
            EventPayload.ApprovalDecided d = c.gatedDecision;
            if (d == null) {
                return gate(c, tool, ApprovalKind.GATED_TOOL_CALL, "bundle policy for tool \"" + tool.name() + "\": ask");
            }
            if (d.decision() == ApprovalDecision.REJECT) {
                append(step, new EventPayload.ToolCallFinished(c.call.callId(), c.call.toolName(),
                        ToolExecutor.errorJson("rejected by " + d.reviewer() + ": " + d.reason()), true, 0));
                return null;
            }
            return execute(tool, c, d.decision() == ApprovalDecision.APPROVE_WITH_EDITS
                    ? d.editedArgumentsJson() : c.call.argumentsJson());
        }

        /** Acts on a reviewer's decision about a call whose effect was unknown after a crash. */
        private Outcome decideAmbiguous(ToolSpec tool, RunProgress.CallState c, EventPayload.ApprovalDecided d) {
            switch (d.decision()) {
                case RETRY -> {
                    return execute(tool, c, c.startedArgumentsJson);
                }
                case RECORD_RESULT -> {
                    append(progress.steps(), new EventPayload.ToolCallFinished(c.call.callId(), c.call.toolName(),
                            d.manualResultJson(), false, 0));
                    return null;
                }
                case FAIL_RUN -> {
                    fail("failed by " + d.reviewer() + " after an ambiguous call of " + c.call.toolName()
                            + (d.reason().isEmpty() ? "" : ": " + d.reason()));
                    return Outcome.FINISHED;
                }
                default -> throw new IllegalStateException(d.decision() + " does not answer an ambiguous tool call");
            }
        }

        /** Asks for a human decision; the run then waits holding no thread. */
        private Outcome gate(RunProgress.CallState c, ToolSpec tool, ApprovalKind kind, String reason) {
            String approvalId = "apr_" + run.runId() + "_" + c.call.callId()
                    + (kind == ApprovalKind.AMBIGUOUS_TOOL_CALL ? "_attempt" + c.attempts : "");
            ToolCall shown = kind == ApprovalKind.AMBIGUOUS_TOOL_CALL && c.startedArgumentsJson != null
                    ? new ToolCall(c.call.callId(), c.call.toolName(), c.startedArgumentsJson) : c.call;
            ApprovalRecord approval = ApprovalRecord.pending(approvalId, run.runId(), run.tenant(), run.bundleName(),
                    run.bundleVersion(), progress.steps(), c.call.callId(), c.call.toolName(), shown.argumentsJson(),
                    c.policy, reason, kind, null, tool.parametersJson());
            append(progress.steps(), new EventPayload.ApprovalRequested(approvalId, shown, reason, kind),
                    new ApprovalWrite.Insert(approval));
            return Outcome.WAITING;
        }

        /**
         * Commits {@code tool_call_started}, then starts the call on a tool thread.
         *
         * @return {@link Outcome#AWAITING_TOOL} when the call is executing (the loop returns and
         *         holds no thread), null when it is recorded already (refused before it ran)
         */
        private Outcome execute(ToolSpec tool, RunProgress.CallState c, String argumentsJson) {
            ToolCall call = new ToolCall(c.call.callId(), c.call.toolName(), argumentsJson);
            String idempotencyKey = run.runId() + "/" + call.callId();
            append(progress.steps(), new EventPayload.ToolCallStarted(call, idempotencyKey, c.attempts + 1));
            commit();
            CompletableFuture<ToolOutcome> outcome = tools.start(tool.name(), tool.implementation(),
                    tool.parametersJson(), argumentsJson, toolTimeoutMs(tool), idempotencyKey);
            if (outcome.isDone()) {
                recordResult(call, outcome.join()); // e.g. arguments the tool's schema refused
                return null;
            }
            control.awaitToolCall(new ToolInFlight(call, outcome));
            return Outcome.AWAITING_TOOL;
        }

        /** Stages the finish of a call that ran; a result too large to record fails the run. */
        private void recordResult(ToolCall call, ToolOutcome outcome) {
            // A UTF-8 char is at most 3 bytes: only a result that might be over the limit is encoded to count.
            String result = outcome.resultJson();
            int resultBytes = (long) result.length() * 3 <= MAX_TOOL_RESULT_BYTES ? result.length()
                    : result.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (resultBytes > MAX_TOOL_RESULT_BYTES) {
                // The call did happen: its finish is recorded, without the result, and the run
                // fails (the model never saw the result, so it cannot go on without it).
                String message = "tool \"" + call.toolName() + "\" (call " + call.callId() + ") returned a result of "
                        + resultBytes + " bytes, more than the " + MAX_TOOL_RESULT_BYTES
                        + " bytes a run records for a tool result";
                append(progress.steps(), new EventPayload.ToolCallFinished(call.callId(), call.toolName(),
                        ToolExecutor.errorJson("result not recorded: " + resultBytes + " bytes, more than the "
                                + MAX_TOOL_RESULT_BYTES + " bytes allowed"), true, outcome.latencyMs()));
                fail(message);
                return;
            }
            append(progress.steps(), new EventPayload.ToolCallFinished(call.callId(), call.toolName(), outcome.resultJson(),
                    outcome.isError(), outcome.latencyMs()));
        }

        /** The tool's timeout, but no longer than the run's remaining wall time (then the run times out). */
        private long toolTimeoutMs(ToolSpec tool) {
            long timeout = tool.effectiveTimeoutMs(spec.limits());
            long wall = spec.limits().maxWallTimeMs();
            if (wall > 0 && run.startedAt() != null) {
                long left = wall - Duration.between(run.startedAt(), clock.instant()).toMillis();
                timeout = Math.min(timeout, Math.max(1, left));
            }
            return timeout;
        }

        void cancel(EventPayload.CancelRequested request) {
            append(0, request);
            String who = request.requestedBy().isEmpty() ? "unknown" : request.requestedBy();
            finish(RunStatus.CANCELLED, TerminalReason.CANCELLED, "cancelled by " + who
                    + (request.reason().isEmpty() ? "" : ": " + request.reason()), "");
        }

        private void fail(String message) {
            finish(RunStatus.FAILED, TerminalReason.ERROR, message, "");
        }

        private void finish(RunStatus status, TerminalReason reason, String message, String output) {
            append(0, new EventPayload.RunFinished(status, reason, message, output, run.usage(), run.stepCount()));
        }

        private RunEventRecord append(int step, EventPayload payload) {
            return append(step, payload, null);
        }

        private RunEventRecord append(int step, EventPayload payload, ApprovalWrite approvalWrite) {
            if (batch == null) {
                batch = log.batch(run);
            }
            run = batch.add(step, payload, approvalWrite);
            progress.apply(payload);
            return batch.lastStaged();
        }

        /** Runs {@code action} right after the staged events are committed; dropped with them if they never are. */
        private void afterCommit(Runnable action) {
            afterCommit.add(action);
        }

        /** Commits what is staged (in one transaction) and tells watchers; then the loop may act on it. */
        void commit() {
            if (batch != null) {
                run = batch.commit();
                batch = null;
            }
            List<Runnable> actions = List.copyOf(afterCommit);
            afterCommit.clear();
            actions.forEach(Runnable::run);
        }
    }

    /**
     * The worst case of the next model call over a bundle's model chain.
     *
     * @param tokens   the estimate with the most tokens
     * @param micros   the highest worst-case cost among the priced models
     * @param unpriced the first model of the chain with no price ("provider/model"), or null
     */
    private record WorstCase(CallEstimate tokens, long micros, String unpriced) {
        String tokensText() {
            return tokens.worstCaseTokens() + " tokens (about " + tokens.inputTokens() + " input + "
                    + tokens.maxOutputTokens() + " max output)";
        }
    }

    /** Micro-dollars as US dollars, e.g. 1500 -> "$0.0015", 500000 -> "$0.50". */
    static String usd(long micros) {
        java.math.BigDecimal v = java.math.BigDecimal.valueOf(micros, 6).stripTrailingZeros();
        return "$" + (v.scale() < 2 ? v.setScale(2) : v).toPlainString();
    }

    /** Milliseconds as seconds, e.g. 1500 -> "1.5 s". */
    static String seconds(long ms) {
        return java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }

    private static String steps(int n) {
        return n + (n == 1 ? " step" : " steps");
    }
}
