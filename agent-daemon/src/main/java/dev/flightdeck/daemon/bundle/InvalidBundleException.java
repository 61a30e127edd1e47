package dev.flightdeck.daemon.bundle;

import java.util.List;
import java.util.stream.Collectors;

/** A bundle file was rejected; carries every problem found, each with its location. */
public final class InvalidBundleException extends RuntimeException {
    private final List<BundleProblem> problems;

    public InvalidBundleException(List<BundleProblem> problems) {
        super("invalid bundle: " + problems.stream().map(BundleProblem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<BundleProblem> problems() {
        return problems;
    }
}
