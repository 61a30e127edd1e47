package dev.flightdeck.console.viewmodel;

import java.time.Instant;

/** A message for the window's notification area. */
public record Notice(Level level, String title, String text, Instant at) {
    public enum Level { INFO, WARNING, ERROR }
}
