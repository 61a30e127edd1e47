package dev.flightdeck.daemon.run;

/** Why a terminal run ended, machine-readable. */
public enum TerminalReason {
    COMPLETED, STEP_LIMIT, BUDGET_EXCEEDED, LOOP_DETECTED, TIMED_OUT, CANCELLED, ERROR
}
