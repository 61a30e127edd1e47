package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.store.CostRepository;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-tenant spend limits per UTC day ({@code tenants.<name>.daily_budget_usd} of daemon.yaml),
 * enforced across the tenant's concurrent runs.
 * <p>
 * A call is admitted only if the tenant's committed spend today, plus the worst cases reserved by
 * its calls already in flight, plus its own worst case fit the budget; admitting it reserves its
 * worst case in the same step, so runs checking at the same moment cannot all spend the same
 * headroom. The reservation ends when the call's answer is committed (its real cost then counts
 * as spent) or when the call fails, is cancelled or its run stops.
 * <p>
 * Today's spend is kept per tenant in memory: read from {@code model_calls} at the tenant's first
 * admission after the daemon starts, then advanced by every committed call. That is exact because
 * every call of a budgeted tenant is admitted first, so no call of the tenant can be in flight
 * (committed but not yet counted) while its spend is read. Reservations live only in memory: after
 * a restart none exist and the committed spend is the truth; a call re-issued after a restart is
 * admitted again.
 */
public final class TenantBudgets {
    /** No tenant has a daily budget. */
    public static final TenantBudgets NONE = new TenantBudgets(Map.of(), null);

    private final Map<String, Long> dailyMicros;
    private final CostRepository costs;
    private final Map<String, Ledger> ledgers = new ConcurrentHashMap<>();

    /** @param dailyMicros tenant name -> limit per UTC day in micro-dollars */
    public TenantBudgets(Map<String, Long> dailyMicros, CostRepository costs) {
        this.dailyMicros = Map.copyOf(dailyMicros);
        this.costs = costs;
    }

    /** The tenant's limit per UTC day in micro-dollars, if it has one. */
    OptionalLong dailyLimit(String tenant) {
        Long limit = dailyMicros.get(tenant);
        return limit == null ? OptionalLong.empty() : OptionalLong.of(limit);
    }

    /**
     * Admits a call of {@code runId} costing at most {@code worstMicros} if it fits the tenant's
     * budget of the UTC day of {@code now}, and then reserves that worst case for the run (replacing
     * any reservation the run held). Equal to the budget fits.
     */
    Admission admit(String tenant, String runId, long worstMicros, Instant now) {
        long limit = dailyLimit(tenant).orElseThrow(() -> new IllegalArgumentException("tenant " + tenant
                + " has no daily budget"));
        return ledger(tenant).admit(runId, worstMicros, limit, now);
    }

    /** Whether {@code runId} holds a reservation, i.e. its current call was admitted in this process. */
    boolean holdsReservation(String tenant, String runId) {
        Ledger l = ledgers.get(tenant);
        return l != null && l.holds(runId);
    }

    /**
     * The answer of {@code runId}'s call was committed at {@code finishedAt}, costing
     * {@code costMicros}: it ends the run's reservation and counts as spent on that UTC day.
     */
    void settle(String tenant, String runId, long costMicros, Instant finishedAt) {
        Ledger l = ledgers.get(tenant);
        if (l != null) {
            l.settle(runId, costMicros, finishedAt);
        }
    }

    /** Ends {@code runId}'s reservation, if it holds one: its call failed, was cancelled, or the run stopped. */
    void release(String tenant, String runId) {
        Ledger l = ledgers.get(tenant);
        if (l != null) {
            l.release(runId);
        }
    }

    private Ledger ledger(String tenant) {
        return ledgers.computeIfAbsent(tenant, t -> new Ledger(t, costs));
    }

    /**
     * The outcome of an admission check, with what it was checked against.
     *
     * @param admitted      whether the call fits (and was reserved)
     * @param day           the UTC day of the budget
     * @param spentMicros   the tenant's committed spend that day
     * @param reservedMicros the worst cases reserved by the tenant's other calls in flight
     * @param worstMicros   the call's own worst case
     * @param limitMicros   the daily budget
     */
    record Admission(boolean admitted, LocalDate day, long spentMicros, long reservedMicros, long worstMicros,
                     long limitMicros) {
        /** Spent + reserved + worst case, saturated at Long.MAX_VALUE. */
        long totalMicros() {
            long sum = saturatedAdd(spentMicros, reservedMicros);
            return saturatedAdd(sum, worstMicros);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    private static LocalDate utcDay(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    /** One tenant's spend today and reservations; every method runs under its lock. */
    private static final class Ledger {
        private final String tenant;
        private final CostRepository costs;
        private final Map<String, Long> reservations = new HashMap<>();
        private long reservedMicros;
        private LocalDate day;
        private long spentMicros;

        Ledger(String tenant, CostRepository costs) {
            this.tenant = tenant;
            this.costs = costs;
        }

        synchronized Admission admit(String runId, long worstMicros, long limit, Instant now) {
            rollTo(now);
            release(runId);
            Admission a = new Admission(false, day, spentMicros, reservedMicros, worstMicros, limit);
            if (a.totalMicros() > limit) {
                return a;
            }
            reservations.put(runId, worstMicros);
            reservedMicros += worstMicros;
            return new Admission(true, day, spentMicros, a.reservedMicros(), worstMicros, limit);
        }

        synchronized boolean holds(String runId) {
            return reservations.containsKey(runId);
        }

        synchronized void settle(String runId, long costMicros, Instant finishedAt) {
            release(runId);
            if (day == null) {
                return; // never read: the first admission reads this call from the database
            }
            LocalDate callDay = utcDay(finishedAt);
            if (callDay.isAfter(day)) {
                day = callDay;
                spentMicros = 0;
            }
            if (callDay.equals(day)) {
                spentMicros = saturatedAdd(spentMicros, costMicros);
            }
        }

        synchronized void release(String runId) {
            Long held = reservations.remove(runId);
            if (held != null) {
                reservedMicros -= held;
            }
        }

        /**
         * Makes {@link #spentMicros} that of the UTC day of {@code now}: read from the database the
         * first time; at a new day, 0 (every call committed since the read was counted by settle,
         * each on its own day).
         */
        private void rollTo(Instant now) {
            LocalDate today = utcDay(now);
            if (day == null) {
                Instant dayStart = today.atStartOfDay(ZoneOffset.UTC).toInstant();
                spentMicros = costs.spend(tenant, dayStart, dayStart.plus(Duration.ofDays(1))).costMicros();
                day = today;
            } else if (today.isAfter(day)) {
                day = today;
                spentMicros = 0;
            }
        }
    }
}
