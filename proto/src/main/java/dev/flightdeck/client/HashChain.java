package dev.flightdeck.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Verifies a run's tamper-evident event log from the client side, using only what the daemon
 * sends: {@code hash = sha256_hex(prev_hash + "\n" + canonical_json)}, each event's
 * {@code prev_hash} equals the previous event's {@code hash}, sequences run 1, 2, 3, ... .
 */
public final class HashChain {
    private HashChain() {
    }

    /** The hash the daemon must have computed for an event with this content. */
    public static String hashOf(String prevHash, String canonicalJson) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((prevHash + "\n" + canonicalJson).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Checks a complete history (starting at sequence 1).
     *
     * @return empty when intact, else a sentence naming the first broken event
     */
    public static String verify(List<RunEventInfo> events) {
        String prev = "";
        long expected = 1;
        for (RunEventInfo event : events) {
            if (event.sequence() != expected) {
                return "sequence gap: expected " + expected + " but found " + event.sequence();
            }
            if (!event.prevHash().equals(prev)) {
                return "event " + event.sequence() + ": prev_hash does not match the hash of event " + (expected - 1);
            }
            if (!hashOf(prev, event.canonicalJson()).equals(event.hash())) {
                return "event " + event.sequence() + ": hash does not match its content";
            }
            prev = event.hash();
            expected++;
        }
        return "";
    }
}
