package dev.flightdeck.daemon.cost;

import dev.flightdeck.daemon.model.Usage;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The prices the daemon knows, by provider and model, each model with one or more prices by
 * effective date: a call is priced by the entry with the latest {@code effective_from} on or before
 * the UTC day the call happened. A model of the offline {@code scripted} provider with no entry is
 * free and priced; any other model with no entry in force is unpriced: its calls are recorded
 * with {@code priced = false}, never as $0.
 */
public final class PriceTable {
    public static final PriceTable EMPTY = new PriceTable(List.of());
    private static final String FREE_PROVIDER = "scripted";
    /** A model id ending in a snapshot date: -2024-08-06 (OpenAI) or -20250929 (Anthropic). */
    private static final Pattern SNAPSHOT = Pattern.compile("(.+)-(?:\\d{4}-\\d{2}-\\d{2}|\\d{8})");

    /** Per provider/model, oldest effective date first. */
    private final Map<String, List<ModelPrice>> byKey = new HashMap<>();

    public PriceTable(List<ModelPrice> prices) {
        for (ModelPrice p : prices) {
            byKey.computeIfAbsent(key(p.provider(), p.model()), k -> new ArrayList<>()).add(p);
        }
        byKey.values().forEach(l -> l.sort(Comparator.comparing(ModelPrice::effectiveFrom)));
    }

    /**
     * The table of several price lists, lowest precedence first: a list that names a provider/model
     * replaces every entry the lists before it have for that model (all its dates).
     */
    public static PriceTable layered(List<List<ModelPrice>> layers) {
        Map<String, List<ModelPrice>> winner = new LinkedHashMap<>();
        for (List<ModelPrice> layer : layers) {
            Map<String, List<ModelPrice>> named = new LinkedHashMap<>();
            layer.forEach(p -> named.computeIfAbsent(key(p.provider(), p.model()), k -> new ArrayList<>()).add(p));
            winner.putAll(named);
        }
        return new PriceTable(winner.values().stream().flatMap(List::stream).toList());
    }

    /**
     * The price of {@code provider}/{@code model} in force at {@code at}, or empty when it is
     * unpriced then. A dated snapshot id ({@code gpt-4o-2024-08-06}, {@code claude-sonnet-4-5-20250929})
     * with no entry of its own is priced as its undated id.
     */
    public Optional<ModelPrice> find(String provider, String model, Instant at) {
        List<ModelPrice> dated = byKey.get(key(provider, model));
        if (dated == null) {
            Matcher snapshot = SNAPSHOT.matcher(model);
            if (snapshot.matches()) {
                dated = byKey.get(key(provider, snapshot.group(1)));
            }
        }
        if (dated == null) {
            return FREE_PROVIDER.equals(provider)
                    ? Optional.of(new ModelPrice(provider, model, ModelPrice.ALWAYS, 0, 0, 0, 0))
                    : Optional.empty();
        }
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
        ModelPrice inForce = null;
        for (ModelPrice p : dated) {
            if (!p.effectiveFrom().isAfter(day)) {
                inForce = p;
            }
        }
        return Optional.ofNullable(inForce);
    }

    /** {@code usage} with its cost and {@code priced} flag set from the price in force at {@code at}. */
    public Usage price(String provider, String model, Instant at, Usage usage) {
        return find(provider, model, at).map(p -> usage.withCost(p.costMicros(usage), true))
                .orElseGet(() -> usage.withCost(0, false));
    }

    private static String key(String provider, String model) {
        return provider + "\u0000" + model;
    }
}
