package dev.flightdeck.daemon.bundle;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Canonical JSON of bundle content (docs/bundles.md, "Canonical JSON and version id"):
 * <ul>
 *   <li>object keys sorted at every level by UTF-16 code units ({@link String#compareTo});</li>
 *   <li>no whitespace outside strings;</li>
 *   <li>numbers by value: a number with no fractional part is written as an integer
 *       ({@code 1.0}, {@code 1e3} and {@code 1} are {@code 1} / {@code 1000}); any other number
 *       in plain decimal notation with no trailing zeros ({@code 0.50} is {@code 0.5}); never
 *       an exponent;</li>
 *   <li>strings as given, escaped the way Jackson escapes them (only {@code "}, {@code \} and
 *       control characters).</li>
 * </ul>
 */
final class CanonicalJson {
    /** Digits allowed on either side of the decimal point of a number. */
    static final int MAX_NUMBER_DIGITS = 100;
    /** Deepest nesting of mappings and lists allowed anywhere in a bundle. */
    static final int MAX_DEPTH = 64;

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    private static final ObjectMapper WRITER = JsonMapper.builder()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    private CanonicalJson() {
    }

    static JsonNodeFactory nodes() {
        return NODES;
    }

    /**
     * Copies a tree read from YAML into its canonical form (sorted keys, canonical numbers),
     * reporting values that have no canonical JSON form. Returns null if anything was reported.
     */
    static JsonNode normalize(JsonNode node, String path, List<BundleProblem> problems) {
        int before = problems.size();
        JsonNode result = copy(node, path, 0, problems);
        return problems.size() == before ? result : null;
    }

    private static JsonNode copy(JsonNode node, String path, int depth, List<BundleProblem> problems) {
        if (depth > MAX_DEPTH) {
            problems.add(new BundleProblem(path, "nested too deeply (more than " + MAX_DEPTH + " levels)"));
            return null;
        }
        switch (node.getNodeType()) {
            case OBJECT: {
                TreeMap<String, JsonNode> sorted = new TreeMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    if (!wellFormed(field.getKey())) {
                        problems.add(new BundleProblem(path, "key is not valid Unicode (unpaired surrogate)"));
                        continue;
                    }
                    JsonNode value = copy(field.getValue(), Paths.key(path, field.getKey()), depth + 1, problems);
                    sorted.put(field.getKey(), value == null ? NODES.nullNode() : value);
                }
                ObjectNode out = NODES.objectNode();
                sorted.forEach(out::set);
                return out;
            }
            case ARRAY: {
                ArrayNode out = NODES.arrayNode(node.size());
                for (int i = 0; i < node.size(); i++) {
                    JsonNode value = copy(node.get(i), Paths.index(path, i), depth + 1, problems);
                    out.add(value == null ? NODES.nullNode() : value);
                }
                return out;
            }
            case STRING:
                if (!wellFormed(node.textValue())) {
                    problems.add(new BundleProblem(path, "string is not valid Unicode (unpaired surrogate)"));
                    return null;
                }
                return NODES.textNode(node.textValue());
            case BOOLEAN:
                return NODES.booleanNode(node.booleanValue());
            case NULL:
                return NODES.nullNode();
            case NUMBER:
                return number(node, path, problems);
            default:
                problems.add(new BundleProblem(path, "unsupported YAML value (" + describeType(node)
                        + "); use a string, number, boolean, null, list or mapping"));
                return null;
        }
    }

    /** True unless the string has an unpaired UTF-16 surrogate (which has no UTF-8 form). */
    static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode number(JsonNode node, String path, List<BundleProblem> problems) {
        BigDecimal value;
        if (node.isFloatingPointNumber() && !node.isBigDecimal()) {
            double d = node.doubleValue();
            if (!Double.isFinite(d)) {
                problems.add(new BundleProblem(path, "not a finite number"));
                return null;
            }
            value = new BigDecimal(Double.toString(d));
        } else {
            value = node.decimalValue();
        }
        BigDecimal stripped = value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
        long integerDigits = (long) stripped.precision() - stripped.scale();
        if (integerDigits > MAX_NUMBER_DIGITS || stripped.scale() > MAX_NUMBER_DIGITS) {
            problems.add(new BundleProblem(path, "number out of range (at most " + MAX_NUMBER_DIGITS
                    + " digits before and after the decimal point)"));
            return null;
        }
        if (stripped.scale() <= 0) {
            BigInteger integer = stripped.toBigIntegerExact();
            return integer.bitLength() < 64 ? NODES.numberNode(integer.longValue()) : NODES.numberNode(integer);
        }
        return NODES.numberNode(stripped);
    }

    /** Canonical text of a tree already produced by {@link #normalize} (or built from canonical parts). */
    static String write(JsonNode canonicalTree) {
        try {
            return WRITER.writeValueAsString(sorted(canonicalTree));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write canonical JSON", e);
        }
    }

    /** Sorts keys again, so trees assembled by hand are canonical too. */
    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            keys.sort(null);
            ObjectNode out = NODES.objectNode();
            for (String key : keys) {
                out.set(key, sorted(node.get(key)));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode(node.size());
            node.forEach(element -> out.add(sorted(element)));
            return out;
        }
        return node;
    }

    static String sha256Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    static String describeType(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        switch (node.getNodeType()) {
            case OBJECT:
                return "a mapping";
            case ARRAY:
                return "a list";
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean (" + node.booleanValue() + ")";
            case NULL:
                return "null";
            case BINARY:
                return "binary data";
            default:
                return "an unsupported value";
        }
    }
}
