package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.CostDimension;
import dev.flightdeck.client.CostFilter;

import java.time.Duration;
import java.time.Instant;

/**
 * The range, time bucket and filter the Costs screen asks the daemon about.
 *
 * @param bucket HOUR for ranges up to {@link #HOURLY_UP_TO}, DAY for longer ones
 */
public record CostRequest(Instant from, Instant to, CostDimension bucket, CostFilter filter) {
    /** The longest range drawn in hourly buckets. */
    public static final Duration HOURLY_UP_TO = Duration.ofDays(2);

    /** The request for [from, to) with the bucket its length calls for. */
    public static CostRequest of(Instant from, Instant to, CostFilter filter) {
        CostDimension bucket = Duration.between(from, to).compareTo(HOURLY_UP_TO) <= 0
                ? CostDimension.HOUR : CostDimension.DAY;
        return new CostRequest(from, to, bucket, filter);
    }

    /** The length of one time bucket: an hour or a day. */
    public java.time.temporal.ChronoUnit bucketUnit() {
        return bucket == CostDimension.HOUR ? java.time.temporal.ChronoUnit.HOURS : java.time.temporal.ChronoUnit.DAYS;
    }

    /** True when the range is drawn in daily buckets (longer than {@link #HOURLY_UP_TO}). */
    public boolean daily() {
        return bucket != CostDimension.HOUR;
    }
}
