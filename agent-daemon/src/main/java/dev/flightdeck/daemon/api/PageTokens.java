package dev.flightdeck.daemon.api;

import dev.flightdeck.client.HashChain;
import dev.flightdeck.daemon.error.InvalidArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque page tokens: base64url of {@code v1|<rpc>|<filter hash>|<keyset>}. A token only works
 * for the rpc and the filters it was issued for, so a client cannot page a different listing
 * with it by mistake. Tokens hold no secrets; they only save the client from seeing the keyset.
 */
final class PageTokens {
    private PageTokens() {
    }

    static String issue(String rpc, String filters, String keyset) {
        String raw = "v1|" + rpc + "|" + filterHash(filters) + "|" + keyset;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** The keyset of {@code token}, or "" for the first page. */
    static String keyset(String rpc, String filters, String token) {
        if (token == null || token.isEmpty()) {
            return "";
        }
        String bad = "page_token: not a token issued by " + rpc + " for these filters";
        String raw;
        try {
            raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException(bad);
        }
        String[] parts = raw.split("\\|", 4);
        if (parts.length != 4 || !parts[0].equals("v1") || !parts[1].equals(rpc)
                || !parts[2].equals(filterHash(filters)) || parts[3].isEmpty()) {
            throw new InvalidArgumentException(bad);
        }
        return parts[3];
    }

    /** Validates {@code page_size}: 0 means {@code defaultSize}. */
    static int pageSize(int requested, int defaultSize, int max) {
        if (requested < 0 || requested > max) {
            throw new InvalidArgumentException("page_size: must be between 0 and " + max + ", got " + requested);
        }
        return requested == 0 ? defaultSize : requested;
    }

    private static String filterHash(String filters) {
        return HashChain.hashOf("", filters).substring(0, 16);
    }
}
