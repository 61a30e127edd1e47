package dev.flightdeck.daemon.tool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code builtin:issue_refund}, the demo's tool with an effect: it "issues" a refund by appending
 * one JSON line to a ledger file ({@code <data-dir>/demo-refunds.jsonl}) and returns the refund.
 * The refund id is a pure function of the order and amount. Not read-only and not idempotent:
 * calling it twice issues two refunds, which is why a bundle gates it behind an approval.
 */
public final class IssueRefund implements Tool {
    public static final String IMPLEMENTATION = "builtin:issue_refund";
    /** The ledger's file name inside the data directory. */
    public static final String LEDGER_FILE = "demo-refunds.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path ledger;

    /** @param ledger the file each issued refund is appended to (null: keep no ledger) */
    public IssueRefund(Path ledger) {
        this.ledger = ledger;
    }

    @Override
    public String implementation() {
        return IMPLEMENTATION;
    }

    @Override
    public String argumentsSchemaJson() {
        return "{\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"string\",\"minLength\":1},"
                + "\"amount_usd\":{\"type\":\"number\",\"exclusiveMinimum\":0},\"reason\":{\"type\":\"string\"}},"
                + "\"required\":[\"order_id\",\"amount_usd\"]}";
    }

    @Override
    public JsonNode execute(JsonNode arguments) throws ToolFailure {
        String orderId = arguments.path("order_id").asText("").trim();
        BigDecimal amount = arguments.path("amount_usd").decimalValue().setScale(2, java.math.RoundingMode.HALF_UP);
        ObjectNode refund = JSON.createObjectNode()
                .put("refund_id", "RF-" + HexFormat.of().formatHex(sha256(orderId + "|" + amount.toPlainString()), 0, 4)
                        .toUpperCase(java.util.Locale.ROOT))
                .put("order_id", orderId)
                .put("amount", amount)
                .put("currency", "USD")
                .put("reason", arguments.path("reason").asText(""))
                .put("status", "issued");
        if (ledger != null) {
            try {
                Files.writeString(ledger, refund.toString() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND, StandardOpenOption.DSYNC);
            } catch (IOException e) {
                throw new ToolFailure("cannot record the refund in the ledger: " + e.getMessage());
            }
        }
        return refund;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
