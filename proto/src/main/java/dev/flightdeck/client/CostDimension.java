package dev.flightdeck.client;

/** What model calls can be grouped by in a {@link CostQuery}; each group key's form is the contract's. */
public enum CostDimension {
    /** The run's tenant. */
    TENANT,
    /** The bundle's name. */
    BUNDLE,
    /** The bundle's name and version: key {@code name@version}. */
    BUNDLE_VERSION,
    /** The provider that answered. */
    PROVIDER,
    /** The model that answered: key {@code provider/model}. */
    MODEL,
    /** The UTC day the call finished: key {@code 2026-11-21}. */
    DAY,
    /** The UTC hour the call finished: key {@code 2026-11-21T14:00Z}. */
    HOUR;

    /** True for the time buckets (DAY, HOUR). */
    public boolean isTime() {
        return this == DAY || this == HOUR;
    }
}
