package dev.flightdeck.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/**
 * Makes an event payload readable: the contract carries tool arguments, results and schemas
 * as JSON text in {@code *_json} string fields, which a plain proto-to-JSON rendering shows
 * as escaped strings. This turns each such field into the JSON it holds (named without the
 * {@code _json} suffix), so a reviewer reads {@code "arguments": {"order_id": "A-1001"}}.
 * Text that is not valid JSON is left as it is.
 */
final class DetailsJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX = "_json";

    private DetailsJson() {
    }

    static String readable(String protoJson) {
        try {
            JsonNode tree = JSON.readTree(protoJson);
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(expand(tree));
        } catch (JsonProcessingException e) {
            return protoJson;
        }
    }

    private static JsonNode expand(JsonNode node) {
        if (node instanceof ObjectNode object) {
            ObjectNode out = JSON.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String name = field.getKey();
                JsonNode value = field.getValue();
                JsonNode embedded = name.endsWith(SUFFIX) && value.isTextual() ? parse(value.asText()) : null;
                if (embedded != null && !object.has(name.substring(0, name.length() - SUFFIX.length()))) {
                    out.set(name.substring(0, name.length() - SUFFIX.length()), embedded);
                } else {
                    out.set(name, expand(value));
                }
            }
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = JSON.createArrayNode();
            array.forEach(item -> out.add(expand(item)));
            return out;
        }
        return node;
    }

    private static JsonNode parse(String text) {
        try {
            return text.isBlank() ? null : JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
