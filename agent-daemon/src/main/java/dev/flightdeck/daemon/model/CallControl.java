package dev.flightdeck.daemon.model;

/** Lets a long model call notice that its run no longer wants the answer. */
@FunctionalInterface
public interface CallControl {
    CallControl NONE = () -> false;

    boolean isAbandoned();
}
