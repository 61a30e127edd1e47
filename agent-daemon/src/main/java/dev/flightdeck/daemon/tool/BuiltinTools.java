package dev.flightdeck.daemon.tool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.List;

/**
 * The read-only demo tools of the support-refund demo. Results are a pure function of the
 * arguments (a fake order is derived from a hash of its id, dates from a fixed reference day),
 * so a replayed or resumed run sees exactly what the original saw.
 */
public final class BuiltinTools {
    public static final String LOOKUP_ORDER = "builtin:lookup_order";
    public static final String GET_REFUND_POLICY = "builtin:get_refund_policy";
    public static final String CHECK_REFUND_ELIGIBILITY = "builtin:check_refund_eligibility";
    /** Waits, then answers: a deliberately slow tool for trying tool timeouts and cancellation. */
    public static final String WAIT = "builtin:wait";
    static final long MAX_WAIT_MS = 600_000;

    /** "Today" for the demo data: fixed so results never depend on the clock. */
    static final LocalDate REFERENCE_DAY = LocalDate.of(2026, 11, 20);
    static final int REFUND_WINDOW_DAYS = 30;
    /** The order the demo bundle's script asks about. */
    static final String DEMO_ORDER = "A-1001";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] STATUSES = {"delivered", "delivered", "delivered", "shipped", "processing"};
    private static final String[][] PRODUCTS = {
            {"Wireless headphones", "8999"}, {"USB-C charger", "2499"}, {"Travel mug", "1599"},
            {"Mechanical keyboard", "12900"}, {"Desk lamp", "3450"}, {"Phone case", "1999"}};

    private BuiltinTools() {
    }

    public static List<Tool> all() {
        return List.of(new LookupOrder(), new GetRefundPolicy(), new CheckRefundEligibility(), new Wait());
    }

    /** A fake order, a pure function of its id. The demo bundle's order is pinned so its story holds. */
    static ObjectNode order(String orderId) {
        if (DEMO_ORDER.equals(orderId)) {
            return demoOrder();
        }
        byte[] h = sha256(orderId);
        ObjectNode order = JSON.createObjectNode();
        order.put("order_id", orderId);
        order.put("status", STATUSES[Byte.toUnsignedInt(h[0]) % STATUSES.length]);
        LocalDate placed = REFERENCE_DAY.minusDays(3 + Byte.toUnsignedInt(h[1]) % 50);
        order.put("order_date", placed.toString());
        ArrayNode items = order.putArray("items");
        long totalCents = 0;
        int count = 1 + Byte.toUnsignedInt(h[2]) % 3;
        for (int i = 0; i < count; i++) {
            String[] p = PRODUCTS[Byte.toUnsignedInt(h[3 + i]) % PRODUCTS.length];
            int qty = 1 + Byte.toUnsignedInt(h[6 + i]) % 2;
            long cents = Long.parseLong(p[1]);
            items.addObject().put("name", p[0]).put("quantity", qty).put("unit_price", cents / 100.0);
            totalCents += cents * qty;
        }
        order.put("amount", totalCents / 100.0);
        order.put("currency", "USD");
        return order;
    }

    private static ObjectNode demoOrder() {
        ObjectNode order = JSON.createObjectNode();
        order.put("order_id", DEMO_ORDER);
        order.put("status", "delivered");
        order.put("order_date", REFERENCE_DAY.minusDays(12).toString());
        order.put("delivered_date", REFERENCE_DAY.minusDays(9).toString());
        order.putArray("items").addObject().put("name", "Wireless headphones").put("quantity", 1).put("unit_price", 89.99);
        order.put("amount", 89.99);
        order.put("currency", "USD");
        return order;
    }

    private static String requiredText(JsonNode args, String field) throws ToolFailure {
        String v = args.path(field).asText("").trim();
        if (v.isEmpty()) {
            throw new ToolFailure(field + " is required");
        }
        return v;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class LookupOrder implements Tool {
        @Override
        public String implementation() {
            return LOOKUP_ORDER;
        }

        @Override
        public String argumentsSchemaJson() {
            return "{\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"string\",\"minLength\":1}},"
                    + "\"required\":[\"order_id\"]}";
        }

        @Override
        public JsonNode execute(JsonNode arguments) throws ToolFailure {
            return order(requiredText(arguments, "order_id"));
        }
    }

    /** {@code {"ms": N}}: sleeps N milliseconds (at most 10 minutes), then answers {@code {"waited_ms": N}}. */
    static final class Wait implements Tool {
        @Override
        public String implementation() {
            return WAIT;
        }

        @Override
        public String argumentsSchemaJson() {
            return "{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\",\"minimum\":0,"
                    + "\"maximum\":" + MAX_WAIT_MS + "}},\"required\":[\"ms\"]}";
        }

        @Override
        public JsonNode execute(JsonNode arguments) throws ToolFailure {
            long ms = arguments.path("ms").asLong();
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ToolFailure("interrupted after less than " + ms + " ms");
            }
            return JSON.createObjectNode().put("waited_ms", ms);
        }
    }

    static final class GetRefundPolicy implements Tool {
        @Override
        public String implementation() {
            return GET_REFUND_POLICY;
        }

        @Override
        public String argumentsSchemaJson() {
            return "{\"type\":\"object\"}";
        }

        @Override
        public JsonNode execute(JsonNode arguments) {
            return JSON.createObjectNode()
                    .put("window_days", REFUND_WINDOW_DAYS)
                    .put("policy", "Delivered orders can be refunded in full within " + REFUND_WINDOW_DAYS
                            + " days of the order date when the customer gives a reason; damaged items are always"
                            + " covered and need not be sent back. Orders that have not been delivered yet are"
                            + " cancelled instead of refunded. Refunds go back to the original payment method"
                            + " within 5-7 business days.");
        }
    }

    static final class CheckRefundEligibility implements Tool {
        @Override
        public String implementation() {
            return CHECK_REFUND_ELIGIBILITY;
        }

        @Override
        public String argumentsSchemaJson() {
            return "{\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"string\",\"minLength\":1},"
                    + "\"reason\":{\"type\":\"string\"}},\"required\":[\"order_id\"]}";
        }

        @Override
        public JsonNode execute(JsonNode arguments) throws ToolFailure {
            String orderId = requiredText(arguments, "order_id");
            String reason = arguments.path("reason").asText("").trim();
            ObjectNode order = order(orderId);
            String status = order.get("status").asText();
            LocalDate placed = LocalDate.parse(order.get("order_date").asText());
            long age = java.time.temporal.ChronoUnit.DAYS.between(placed, REFERENCE_DAY);
            boolean eligible;
            String explanation;
            if (!"delivered".equals(status)) {
                eligible = false;
                explanation = "the order is " + status + ", not delivered: cancel it instead of refunding";
            } else if (age > REFUND_WINDOW_DAYS) {
                eligible = false;
                explanation = "the order is " + age + " days old, past the " + REFUND_WINDOW_DAYS + "-day window";
            } else if (reason.isEmpty()) {
                eligible = false;
                explanation = "a reason is required for a refund";
            } else {
                eligible = true;
                explanation = "delivered " + age + " days ago, within the " + REFUND_WINDOW_DAYS + "-day window";
            }
            return JSON.createObjectNode()
                    .put("order_id", orderId)
                    .put("eligible", eligible)
                    .put("amount", eligible ? order.get("amount").asDouble() : 0.0)
                    .put("currency", "USD")
                    .put("explanation", explanation);
        }
    }
}
