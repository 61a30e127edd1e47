package dev.flightdeck.daemon.bundle;

/**
 * One thing wrong with a bundle file.
 *
 * @param location a path into the file, e.g. {@code tools[1].parameters.required[0]}; empty for the whole file
 * @param message  what is wrong, e.g. {@code unknown property "amount"}
 */
public record BundleProblem(String location, String message) {
    @Override
    public String toString() {
        return location.isEmpty() ? message : location + ": " + message;
    }
}
