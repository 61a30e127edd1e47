package dev.flightdeck.daemon.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.flightdeck.daemon.cost.ModelPrice;
import dev.flightdeck.daemon.cost.PriceTable;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The daemon's configuration file, {@code <data-dir>/daemon.yaml} (optional; see docs/daemon.md):
 * per-tenant concurrency limits and daily budgets, the model price table and run retention; plus
 * the user pricing file {@code <data-dir>/pricing.yaml} (optional; docs/providers.md). Read once
 * at start; any problem stops the daemon with every problem found, each as {@code location: message}.
 *
 * @param tenantRunLimits     per-tenant override of {@code --max-runs-per-tenant}
 * @param tenantDailyBudgets  per-tenant spend limit per UTC day, in micro-dollars
 * @param prices              model prices of daemon.yaml (in force at any time; they win over every catalog)
 * @param retentionMaxAgeDays terminal runs older than this many days are pruned daily; 0 = keep forever
 * @param userPrices          the dated prices of pricing.yaml (they win over the shipped catalog)
 */
public record DaemonConfig(Map<String, Integer> tenantRunLimits, Map<String, Long> tenantDailyBudgets,
                           List<ModelPrice> prices, int retentionMaxAgeDays, List<ModelPrice> userPrices) {
    public static final String FILE_NAME = "daemon.yaml";
    public static final String PRICING_FILE_NAME = "pricing.yaml";
    /** The pricing catalog shipped with the daemon (a class-path resource). */
    static final String CATALOG_RESOURCE = "/pricing/catalog.yaml";
    public static final DaemonConfig DEFAULT = new DaemonConfig(Map.of(), Map.of(), List.of(), 0, List.of());
    private static final int MAX_BYTES = 1024 * 1024;
    private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);
    /** Highest price accepted, in US dollars per million tokens. */
    private static final BigDecimal MAX_PRICE_USD = BigDecimal.valueOf(1_000_000);
    private static final Pattern IDENT = Pattern.compile("[^\\s]{1,200}");
    private static final String PRICE_FIELDS = "provider, model, effective_from, input_per_million_usd, "
            + "cached_input_per_million_usd, cache_write_per_million_usd, output_per_million_usd";

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .build();

    public DaemonConfig {
        tenantRunLimits = Map.copyOf(tenantRunLimits);
        tenantDailyBudgets = Map.copyOf(tenantDailyBudgets);
        prices = List.copyOf(prices);
        userPrices = List.copyOf(userPrices);
    }

    /** The configuration file is unusable; the message names the file and every problem. */
    public static final class InvalidException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidException(String message) {
            super(message);
        }
    }

    /**
     * Every price the daemon uses: the shipped catalog, replaced per model by pricing.yaml, replaced
     * per model by daemon.yaml {@code prices:}.
     */
    public PriceTable priceTable() {
        return PriceTable.layered(List.of(shippedCatalog(), userPrices, prices));
    }

    /** This configuration with the prices of a pricing.yaml. */
    public DaemonConfig withUserPrices(List<ModelPrice> dated) {
        return new DaemonConfig(tenantRunLimits, tenantDailyBudgets, prices, retentionMaxAgeDays, dated);
    }

    /** Reads {@code <dataDir>/daemon.yaml} and {@code <dataDir>/pricing.yaml}; {@link #DEFAULT} when there are none. */
    public static DaemonConfig load(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        String text = readIfPresent(file);
        DaemonConfig config = text == null ? DEFAULT : parse(text, file.toString());
        Path pricing = dataDir.resolve(PRICING_FILE_NAME);
        String pricingText = readIfPresent(pricing);
        return pricingText == null ? config : config.withUserPrices(parsePricing(pricingText, pricing.toString()));
    }

    private static String readIfPresent(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new InvalidException(file + ": too large (more than 1 MiB)");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new InvalidException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** The pricing catalog shipped with the daemon. */
    static List<ModelPrice> shippedCatalog() {
        return ShippedCatalog.PRICES;
    }

    /** Parsed once, on first use; a broken shipped catalog is a build defect, caught by its test. */
    private static final class ShippedCatalog {
        static final List<ModelPrice> PRICES = load();

        private static List<ModelPrice> load() {
            try (var in = DaemonConfig.class.getResourceAsStream(CATALOG_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("the pricing catalog " + CATALOG_RESOURCE + " is missing");
                }
                return parsePricing(new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + CATALOG_RESOURCE);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the pricing catalog " + CATALOG_RESOURCE, e);
            }
        }
    }

    /**
     * Parses a pricing file (the shipped catalog or a user's pricing.yaml): {@code prices:}, a list
     * of dated entries; {@code source} names it in errors.
     */
    public static List<ModelPrice> parsePricing(String yaml, String source) {
        JsonNode root = tree(yaml, source);
        Reader r = new Reader();
        List<ModelPrice> prices = new ArrayList<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return prices;
        }
        if (!root.isObject()) {
            r.problems.add("expected a mapping with a list of prices (prices)");
        } else {
            r.keys(root, "", Set.of("prices"));
            prices = r.prices(root.get("prices"), true);
        }
        if (!r.problems.isEmpty()) {
            throw new InvalidException(source + ": " + String.join("; ", r.problems));
        }
        return prices;
    }

    /** Parses the text of a daemon.yaml; {@code source} names it in errors. */
    public static DaemonConfig parse(String yaml, String source) {
        JsonNode root = tree(yaml, source);
        if (root == null || root.isMissingNode() || root.isNull()) {
            return DEFAULT;
        }
        Reader r = new Reader();
        DaemonConfig config = r.config(root);
        if (!r.problems.isEmpty()) {
            throw new InvalidException(source + ": " + String.join("; ", r.problems));
        }
        return config;
    }

    private static JsonNode tree(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            String what = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("unreadable");
            throw new InvalidException(source + ": YAML syntax error" + where + ": " + what);
        } catch (RuntimeException e) {
            throw new InvalidException(source + ": YAML syntax error: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("unreadable"));
        }
        return root;
    }

    /** Validates the tree, collecting located problems. */
    private static final class Reader {
        final List<String> problems = new ArrayList<>();

        DaemonConfig config(JsonNode root) {
            if (!root.isObject()) {
                problems.add("expected a mapping of settings (tenants, prices, retention)");
                return null;
            }
            keys(root, "", Set.of("tenants", "prices", "retention"));
            Map<String, Integer> tenants = new TreeMap<>();
            Map<String, Long> budgets = new TreeMap<>();
            tenants(root.get("tenants"), tenants, budgets);
            List<ModelPrice> prices = prices(root.get("prices"), false);
            int maxAge = 0;
            JsonNode retention = root.get("retention");
            if (retention != null && !retention.isNull()) {
                if (!retention.isObject()) {
                    problems.add("retention: expected a mapping, got " + describe(retention));
                } else {
                    keys(retention, "retention", Set.of("max_age_days"));
                    Long days = integer(retention.get("max_age_days"), "retention.max_age_days", 0, 36_500);
                    maxAge = days == null ? 0 : days.intValue();
                }
            }
            return new DaemonConfig(tenants, budgets, prices, maxAge, List.of());
        }

        void tenants(JsonNode node, Map<String, Integer> limits, Map<String, Long> budgets) {
            if (node == null || node.isNull()) {
                return;
            }
            if (!node.isObject()) {
                problems.add("tenants: expected a mapping of tenant name to settings, got " + describe(node));
                return;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                String path = "tenants." + e.getKey();
                JsonNode settings = e.getValue();
                if (!settings.isObject() || settings.isEmpty()) {
                    problems.add(path + ": expected a mapping with max_concurrent_runs and/or daily_budget_usd, got "
                            + (settings.isObject() ? "an empty mapping" : describe(settings)));
                    continue;
                }
                keys(settings, path, Set.of("max_concurrent_runs", "daily_budget_usd"));
                Long n = integer(settings.get("max_concurrent_runs"), path + ".max_concurrent_runs", 1, 256);
                if (n != null) {
                    limits.put(e.getKey(), n.intValue());
                }
                Long budget = dollars(settings.get("daily_budget_usd"), path + ".daily_budget_usd");
                if (budget != null) {
                    budgets.put(e.getKey(), budget);
                }
            }
        }

        /** A daily budget in US dollars (at most 6 decimal places, at most $1,000,000,000) as micro-dollars. */
        Long dollars(JsonNode node, String path) {
            return node == null || node.isNull() ? null
                    : millionths(node, path, "US dollars", BigDecimal.valueOf(1_000_000_000));
        }

        /**
         * A list of prices; {@code dated}: every entry needs {@code effective_from} (pricing files);
         * otherwise it is optional and an entry without one is in force at any time (daemon.yaml).
         */
        List<ModelPrice> prices(JsonNode node, boolean dated) {
            List<ModelPrice> prices = new ArrayList<>();
            if (node == null || node.isNull()) {
                return prices;
            }
            if (!node.isArray()) {
                problems.add("prices: expected a list of {" + PRICE_FIELDS + "}, got " + describe(node));
                return prices;
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < node.size(); i++) {
                String path = "prices[" + i + "]";
                JsonNode p = node.get(i);
                if (!p.isObject()) {
                    problems.add(path + ": expected a mapping, got " + describe(p));
                    continue;
                }
                keys(p, path, Set.of(PRICE_FIELDS.split(", ")));
                String provider = text(p.get("provider"), path + ".provider");
                String model = text(p.get("model"), path + ".model");
                LocalDate from = date(p.get("effective_from"), path + ".effective_from", dated);
                Long in = usd(p.get("input_per_million_usd"), path + ".input_per_million_usd", true);
                Long cached = usd(p.get("cached_input_per_million_usd"), path + ".cached_input_per_million_usd", false);
                Long write = usd(p.get("cache_write_per_million_usd"), path + ".cache_write_per_million_usd", false);
                Long out = usd(p.get("output_per_million_usd"), path + ".output_per_million_usd", true);
                LocalDate effective = from == null ? ModelPrice.ALWAYS : from;
                if (provider != null && model != null
                        && !seen.add(provider + "/" + model + (from == null ? "" : " from " + from))) {
                    problems.add(path + ": duplicate price for " + provider + "/" + model
                            + (from == null ? "" : " effective from " + from));
                }
                if (provider != null && model != null && in != null && out != null && (from != null || !dated)) {
                    prices.add(new ModelPrice(provider, model, effective, in, cached == null ? in : cached,
                            write == null ? in : write, out));
                }
            }
            return prices;
        }

        LocalDate date(JsonNode node, String path, boolean required) {
            if (node == null || node.isNull()) {
                if (required) {
                    problems.add(path + ": required (the first UTC day the price applies, e.g. 2025-06-10)");
                }
                return null;
            }
            try {
                if (node.isTextual()) {
                    return LocalDate.parse(node.textValue());
                }
            } catch (DateTimeParseException e) {
                // reported below
            }
            problems.add(path + ": expected a date like 2025-06-10, got " + describe(node));
            return null;
        }

        String text(JsonNode node, String path) {
            if (node == null || node.isNull()) {
                problems.add(path + ": required");
                return null;
            }
            if (!node.isTextual() || !IDENT.matcher(node.textValue()).matches()) {
                problems.add(path + ": expected a non-empty name without spaces, got " + describe(node));
                return null;
            }
            return node.textValue();
        }

        /** US dollars per million tokens as pico-dollars per token (at most 6 decimal places). */
        Long usd(JsonNode node, String path, boolean required) {
            if (node == null || node.isNull()) {
                if (required) {
                    problems.add(path + ": required (US dollars per million tokens)");
                }
                return null;
            }
            return millionths(node, path, "US dollars per million tokens", MAX_PRICE_USD);
        }

        /** A non-negative amount of at most 6 decimal places and at most {@code max}, times a million. */
        Long millionths(JsonNode node, String path, String unit, BigDecimal max) {
            if (!node.isNumber()) {
                problems.add(path + ": expected a number of " + unit + ", got " + describe(node));
                return null;
            }
            BigDecimal usd = node.decimalValue();
            if (usd.signum() < 0) {
                problems.add(path + ": must be >= 0, got " + usd.toPlainString());
                return null;
            }
            if (usd.compareTo(max) > 0) {
                problems.add(path + ": must be at most " + max.toPlainString() + ", got " + usd.toPlainString());
                return null;
            }
            BigDecimal millionths = usd.multiply(MICROS).stripTrailingZeros();
            if (millionths.scale() > 0) {
                problems.add(path + ": at most 6 decimal places, got " + usd.toPlainString());
                return null;
            }
            return millionths.longValueExact();
        }

        Long integer(JsonNode node, String path, long min, long max) {
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isIntegralNumber()) {
                problems.add(path + ": expected an integer, got " + describe(node));
                return null;
            }
            BigInteger v = node.bigIntegerValue();
            if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
                problems.add(path + ": must be between " + min + " and " + max + ", got " + v);
                return null;
            }
            return v.longValue();
        }

        void keys(JsonNode node, String path, Set<String> known) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!known.contains(key)) {
                    problems.add((path.isEmpty() ? key : path + "." + key) + ": unknown setting \"" + key
                            + "\" (expected one of " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
                }
            }
        }

        static String describe(JsonNode node) {
            if (node.isTextual()) {
                return "\"" + node.textValue() + "\"";
            }
            if (node.isObject()) {
                return "a mapping";
            }
            if (node.isArray()) {
                return "a list";
            }
            return node.isNull() ? "nothing" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                    + " " + node.asText();
        }
    }
}
