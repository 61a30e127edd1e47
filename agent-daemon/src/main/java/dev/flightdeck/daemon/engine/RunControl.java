package dev.flightdeck.daemon.engine;

/** What the scheduler tells a run's loop between events. */
interface RunControl {
    /** A cancel someone asked for, or null. Checked at every safe point (between events). */
    EventPayload.CancelRequested cancelRequest();

    /** True when the daemon is draining: finish the current step, start no new one. */
    boolean stopAtStepBoundary();

    /**
     * True when draining took too long: abandon a model call in flight and stop at the next safe
     * point. (Workers are never interrupted: an interrupt during H2 file I/O closes the database.)
     */
    boolean abandonNow();
}
