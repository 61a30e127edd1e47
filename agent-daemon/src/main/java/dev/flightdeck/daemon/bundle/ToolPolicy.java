package dev.flightdeck.daemon.bundle;

/** What the engine does with a call to a tool. Deny wins over ask, ask over allow. */
public enum ToolPolicy {
    ALLOW, ASK, DENY
}
