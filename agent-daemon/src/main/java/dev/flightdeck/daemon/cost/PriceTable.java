package dev.flightdeck.daemon.cost;

import dev.flightdeck.daemon.model.Usage;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The prices the daemon knows (from {@code daemon.yaml}), by provider and model. A model of the
 * offline {@code scripted} provider with no entry is free and priced; any other model with no
 * entry is unpriced: its calls are recorded with {@code priced = false}, never as $0.
 */
public final class PriceTable {
    public static final PriceTable EMPTY = new PriceTable(List.of());
    private static final String FREE_PROVIDER = "scripted";

    private final Map<String, ModelPrice> byKey = new HashMap<>();

    public PriceTable(List<ModelPrice> prices) {
        prices.forEach(p -> byKey.put(key(p.provider(), p.model()), p));
    }

    /** The price of {@code provider}/{@code model}, or empty when it is unpriced. */
    public Optional<ModelPrice> find(String provider, String model) {
        ModelPrice p = byKey.get(key(provider, model));
        if (p == null && FREE_PROVIDER.equals(provider)) {
            return Optional.of(new ModelPrice(provider, model, 0, 0, 0));
        }
        return Optional.ofNullable(p);
    }

    /** {@code usage} with its cost and {@code priced} flag set from this table. */
    public Usage price(String provider, String model, Usage usage) {
        return find(provider, model)
                .map(p -> new Usage(usage.inputTokens(), usage.cachedInputTokens(), usage.outputTokens(),
                        usage.reasoningTokens(), p.costMicros(usage.inputTokens(), usage.cachedInputTokens(),
                        usage.outputTokens()), true))
                .orElseGet(() -> new Usage(usage.inputTokens(), usage.cachedInputTokens(), usage.outputTokens(),
                        usage.reasoningTokens(), 0, false));
    }

    private static String key(String provider, String model) {
        return provider + "\u0000" + model;
    }
}
