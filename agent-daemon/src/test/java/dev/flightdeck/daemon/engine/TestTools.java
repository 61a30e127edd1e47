package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flightdeck.daemon.tool.Tool;

import java.util.function.UnaryOperator;

/** Tools for engine tests: any arguments object, the result the test computes from them. */
final class TestTools {
    private TestTools() {
    }

    static Tool tool(String implementation, UnaryOperator<JsonNode> body) {
        return new Tool() {
            @Override
            public String implementation() {
                return implementation;
            }

            @Override
            public String argumentsSchemaJson() {
                return "{\"type\":\"object\"}";
            }

            @Override
            public JsonNode execute(JsonNode arguments) {
                return body.apply(arguments);
            }
        };
    }
}
