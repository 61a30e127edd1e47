package dev.flightdeck.daemon.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks on a tool schema that the meta-schema cannot express and that would otherwise fail
 * only later, inside the validator: regular expressions that do not compile, and {@code $ref}
 * (or allOf/anyOf/...) loops that never descend into the instance, which make a validator
 * recurse forever.
 */
final class SchemaLint {
    /** Keywords whose values are data, not schemas: never look for keywords inside them. */
    private static final Set<String> DATA_KEYWORDS = Set.of("const", "enum", "default", "examples");
    /** Keywords that apply subschemas to the same instance location (no descent). */
    private static final Set<String> IN_PLACE_SINGLE = Set.of("not", "if", "then", "else");
    private static final Set<String> IN_PLACE_LIST = Set.of("allOf", "anyOf", "oneOf");

    private SchemaLint() {
    }

    static void check(JsonNode schema, String path, List<BundleProblem> problems) {
        patterns(schema, path, problems);
        loops(schema, path, problems);
    }

    private static void patterns(JsonNode node, String path, List<BundleProblem> problems) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                patterns(node.get(i), Paths.index(path, i), problems);
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            String at = Paths.key(path, key);
            if (DATA_KEYWORDS.contains(key)) {
                continue;
            }
            if (key.equals("pattern") && value.isTextual()) {
                regex(value.textValue(), at, problems);
            } else if (key.equals("patternProperties") && value.isObject()) {
                for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                    String name = names.next();
                    regex(name, Paths.key(at, name), problems);
                }
            }
            patterns(value, at, problems);
        }
    }

    private static void regex(String regex, String path, List<BundleProblem> problems) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            problems.add(new BundleProblem(path, "invalid regular expression: " + e.getDescription()
                    + (e.getIndex() >= 0 ? " near index " + e.getIndex() : "")));
        }
    }

    /** Finds a cycle among "in place" edges ($ref and the combinators) by depth-first search. */
    private static void loops(JsonNode root, String rootPath, List<BundleProblem> problems) {
        Map<JsonNode, Boolean> state = new IdentityHashMap<>(); // false = on the stack, true = done
        walkSchemas(root, rootPath, node -> {
            if (!state.containsKey(node.node()) && inPlaceCycle(root, node.node(), state)) {
                problems.add(new BundleProblem(node.path(), "$ref loop: this schema refers back to itself "
                        + "without descending into a property or item, so it can never be evaluated"));
                return false;
            }
            return true;
        });
    }

    private record Located(JsonNode node, String path) {
    }

    private interface Visitor {
        /** @return false to stop the walk */
        boolean visit(Located schema);
    }

    /** Visits every object that can hold a $ref (a schema position), stopping at data keywords. */
    private static boolean walkSchemas(JsonNode node, String path, Visitor visitor) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                if (!walkSchemas(node.get(i), Paths.index(path, i), visitor)) {
                    return false;
                }
            }
            return true;
        }
        if (!node.isObject()) {
            return true;
        }
        if (node.has("$ref") && !visitor.visit(new Located(node, Paths.key(path, "$ref")))) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!DATA_KEYWORDS.contains(field.getKey())
                    && !walkSchemas(field.getValue(), Paths.key(path, field.getKey()), visitor)) {
                return false;
            }
        }
        return true;
    }

    private static boolean inPlaceCycle(JsonNode root, JsonNode node, Map<JsonNode, Boolean> state) {
        Boolean seen = state.get(node);
        if (seen != null) {
            return !seen; // on the stack: a cycle
        }
        state.put(node, false);
        for (JsonNode next : inPlaceChildren(root, node)) {
            if (inPlaceCycle(root, next, state)) {
                return true;
            }
        }
        state.put(node, true);
        return false;
    }

    private static List<JsonNode> inPlaceChildren(JsonNode root, JsonNode node) {
        if (!node.isObject()) {
            return List.of();
        }
        java.util.ArrayList<JsonNode> children = new java.util.ArrayList<>();
        JsonNode ref = node.get("$ref");
        if (ref != null && ref.isTextual() && ref.textValue().startsWith("#")) {
            JsonNode target = resolve(root, ref.textValue().substring(1));
            if (target != null) {
                children.add(target);
            }
        }
        for (String key : IN_PLACE_SINGLE) {
            JsonNode child = node.get(key);
            if (child != null && child.isObject()) {
                children.add(child);
            }
        }
        for (String key : IN_PLACE_LIST) {
            JsonNode list = node.get(key);
            if (list != null && list.isArray()) {
                list.forEach(children::add);
            }
        }
        JsonNode dependent = node.get("dependentSchemas");
        if (dependent != null && dependent.isObject()) {
            dependent.forEach(children::add);
        }
        return children;
    }

    /** A JSON pointer fragment ("" or "/$defs/a"); anchors and percent-escapes are not followed. */
    private static JsonNode resolve(JsonNode root, String pointer) {
        if (pointer.isEmpty()) {
            return root;
        }
        if (!pointer.startsWith("/")) {
            return null;
        }
        try {
            JsonNode target = root.at(pointer);
            return target.isMissingNode() ? null : target;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
