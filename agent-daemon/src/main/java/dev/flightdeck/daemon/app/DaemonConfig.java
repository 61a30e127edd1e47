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
 * per-tenant concurrency overrides, the model price table and run retention. Read once at start;
 * any problem stops the daemon with every problem found, each as {@code location: message}.
 *
 * @param tenantRunLimits   per-tenant override of {@code --max-runs-per-tenant}
 * @param prices            model prices
 * @param retentionMaxAgeDays terminal runs older than this many days are pruned daily; 0 = keep forever
 */
public record DaemonConfig(Map<String, Integer> tenantRunLimits, List<ModelPrice> prices, int retentionMaxAgeDays) {
    public static final String FILE_NAME = "daemon.yaml";
    public static final DaemonConfig DEFAULT = new DaemonConfig(Map.of(), List.of(), 0);
    private static final int MAX_BYTES = 1024 * 1024;
    private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);
    private static final Pattern IDENT = Pattern.compile("[^\\s]{1,200}");

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .build();

    public DaemonConfig {
        tenantRunLimits = Map.copyOf(tenantRunLimits);
        prices = List.copyOf(prices);
    }

    /** The configuration file is unusable; the message names the file and every problem. */
    public static final class InvalidException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidException(String message) {
            super(message);
        }
    }

    public PriceTable priceTable() {
        return new PriceTable(prices);
    }

    /** Reads {@code <dataDir>/daemon.yaml}; {@link #DEFAULT} when there is none. */
    public static DaemonConfig load(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new InvalidException(file + ": too large (more than 1 MiB)");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return DEFAULT;
        } catch (IOException e) {
            throw new InvalidException(file + ": cannot read: " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /** Parses the text of a daemon.yaml; {@code source} names it in errors. */
    public static DaemonConfig parse(String yaml, String source) {
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

    /** Validates the tree, collecting located problems. */
    private static final class Reader {
        final List<String> problems = new ArrayList<>();

        DaemonConfig config(JsonNode root) {
            if (!root.isObject()) {
                problems.add("expected a mapping of settings (tenants, prices, retention)");
                return null;
            }
            keys(root, "", Set.of("tenants", "prices", "retention"));
            Map<String, Integer> tenants = tenants(root.get("tenants"));
            List<ModelPrice> prices = prices(root.get("prices"));
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
            return new DaemonConfig(tenants, prices, maxAge);
        }

        Map<String, Integer> tenants(JsonNode node) {
            Map<String, Integer> limits = new TreeMap<>();
            if (node == null || node.isNull()) {
                return limits;
            }
            if (!node.isObject()) {
                problems.add("tenants: expected a mapping of tenant name to settings, got " + describe(node));
                return limits;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                String path = "tenants." + e.getKey();
                if (!e.getValue().isObject()) {
                    problems.add(path + ": expected a mapping (max_concurrent_runs), got " + describe(e.getValue()));
                    continue;
                }
                keys(e.getValue(), path, Set.of("max_concurrent_runs"));
                Long n = integer(e.getValue().get("max_concurrent_runs"), path + ".max_concurrent_runs", 1, 256);
                if (n != null) {
                    limits.put(e.getKey(), n.intValue());
                } else if (e.getValue().get("max_concurrent_runs") == null) {
                    problems.add(path + ".max_concurrent_runs: required");
                }
            }
            return limits;
        }

        List<ModelPrice> prices(JsonNode node) {
            List<ModelPrice> prices = new ArrayList<>();
            if (node == null || node.isNull()) {
                return prices;
            }
            if (!node.isArray()) {
                problems.add("prices: expected a list of {provider, model, input_per_million_usd, "
                        + "cached_input_per_million_usd, output_per_million_usd}, got " + describe(node));
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
                keys(p, path, Set.of("provider", "model", "input_per_million_usd", "cached_input_per_million_usd",
                        "output_per_million_usd"));
                String provider = text(p.get("provider"), path + ".provider");
                String model = text(p.get("model"), path + ".model");
                Long in = usd(p.get("input_per_million_usd"), path + ".input_per_million_usd", true);
                Long cached = usd(p.get("cached_input_per_million_usd"), path + ".cached_input_per_million_usd", false);
                Long out = usd(p.get("output_per_million_usd"), path + ".output_per_million_usd", true);
                if (provider != null && model != null && !seen.add(provider + "/" + model)) {
                    problems.add(path + ": duplicate price for " + provider + "/" + model);
                }
                if (provider != null && model != null && in != null && out != null) {
                    prices.add(new ModelPrice(provider, model, in, cached == null ? in : cached, out));
                }
            }
            return prices;
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
            if (!node.isNumber()) {
                problems.add(path + ": expected a number of US dollars per million tokens, got " + describe(node));
                return null;
            }
            BigDecimal usd = node.decimalValue();
            if (usd.signum() < 0) {
                problems.add(path + ": must be >= 0, got " + usd.toPlainString());
                return null;
            }
            BigDecimal picos = usd.multiply(MICROS).stripTrailingZeros();
            if (picos.scale() > 0) {
                problems.add(path + ": at most 6 decimal places, got " + usd.toPlainString());
                return null;
            }
            if (picos.toBigIntegerExact().bitLength() >= 40) {
                problems.add(path + ": too large, got " + usd.toPlainString());
                return null;
            }
            return picos.longValueExact();
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
