package dev.flightdeck.client;

import java.util.Set;

/** Which runs to list; empty fields mean "any". */
public record RunFilter(Set<RunState> states, String bundleName, String tenant) {
    public static final RunFilter ALL = new RunFilter(Set.of(), "", "");

    public RunFilter {
        states = Set.copyOf(states);
        bundleName = bundleName == null ? "" : bundleName;
        tenant = tenant == null ? "" : tenant;
    }
}
