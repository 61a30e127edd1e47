package dev.flightdeck.daemon.model;

/** Who a conversation message comes from. */
public enum Role {
    SYSTEM, USER, ASSISTANT, TOOL
}
