package dev.flightdeck.daemon.cost;

/** What model calls can be grouped by (flightdeck.v1.CostDimension). Time buckets are UTC. */
public enum CostDimension {
    /** The run's tenant. */
    TENANT,
    /** The bundle's name. */
    BUNDLE,
    /** The bundle's name and version: key "name@version". */
    BUNDLE_VERSION,
    /** The provider that answered. */
    PROVIDER,
    /** The model that answered: key "provider/model". */
    MODEL,
    /** The UTC day the call finished: key "2026-11-21". */
    DAY,
    /** The UTC hour the call finished: key "2026-11-21T14:00Z". */
    HOUR;

    public boolean isTime() {
        return this == DAY || this == HOUR;
    }
}
