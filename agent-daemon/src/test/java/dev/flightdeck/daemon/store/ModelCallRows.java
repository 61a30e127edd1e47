package dev.flightdeck.daemon.store;

import dev.flightdeck.daemon.cost.ModelCall;

import java.util.List;

/**
 * Bulk-inserts accounting rows outside the event path, for test fixtures and the cost benchmark
 * only: a real row is always written with its {@code model_responded} event.
 */
public final class ModelCallRows {
    private ModelCallRows() {
    }

    /** Inserts {@code calls} in one transaction. */
    public static void insert(Database db, List<ModelCall> calls) {
        db.inTransaction(c -> {
            CostRepository.insert(c, calls);
            return null;
        });
    }
}
