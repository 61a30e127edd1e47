package dev.flightdeck.daemon.cost;

/**
 * What a tenant's model calls cost in a period.
 *
 * @param costMicros    the priced calls' cost
 * @param unpricedCalls calls whose model had no price (their cost is unknown)
 */
public record TenantSpend(long costMicros, long unpricedCalls) {
}
