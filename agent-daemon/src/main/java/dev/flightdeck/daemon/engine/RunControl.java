package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.model.ModelReply;

import java.util.concurrent.CompletableFuture;

/** What the scheduler tells a run's loop between events, and the run's model or tool call in flight. */
interface RunControl {
    /** A cancel someone asked for, or null. Checked at every safe point (between events). */
    EventPayload.CancelRequested cancelRequest();

    /** True when the daemon is draining: finish the current step, start no new one. */
    boolean stopAtStepBoundary();

    /**
     * True when draining took too long: stop at the next safe point (a model call in flight is
     * cancelled by the scheduler). Workers are never interrupted: an interrupt during H2 file I/O
     * closes the database.
     */
    boolean abandonNow();

    /**
     * The loop started {@code call} for the committed {@code model_requested} and returns
     * {@link AgentLoop.Outcome#AWAITING_MODEL}: keep it, cancel it if the run is cancelled or the
     * daemon gives up on it, and drive the run again once it is complete.
     */
    void awaitModelCall(CompletableFuture<ModelReply> call);

    /**
     * The completed call last given to {@link #awaitModelCall}, handed over once (then null), or
     * null when there is none (e.g. a run resumed by a new daemon: the request is issued again).
     */
    CompletableFuture<ModelReply> takeModelCall();

    /**
     * The loop started a tool call for the committed {@code tool_call_started} and returns
     * {@link AgentLoop.Outcome#AWAITING_TOOL}: drive the run again once the call is complete. A
     * cancel does not cancel it (the tool may have side effects): the run stops once its result is
     * recorded.
     */
    void awaitToolCall(AgentLoop.ToolInFlight call);

    /** The completed call last given to {@link #awaitToolCall}, handed over once (then null), or null. */
    AgentLoop.ToolInFlight takeToolCall();

    /**
     * True when runs wait for a worker: the loop then gives its worker up once the answer to its
     * model call is committed ({@link AgentLoop.Outcome#YIELDED}), so a run picked up (e.g. resumed
     * after a restart) does not wait for the later steps of runs already going.
     */
    boolean yieldWorker();

    /** Keeps where the run stopped, still held, for the next {@link AgentLoop#drive} of it. */
    void keep(AgentLoop.Kept state);

    /** What {@link #keep} kept, handed over once (then null); null for a run just picked up. */
    AgentLoop.Kept takeKept();
}
