package dev.flightdeck.daemon.bundle;

import java.util.regex.Pattern;

/**
 * Locations of problems: {@code tools[1].parameters.required[0]}. A key that is not a plain
 * identifier is written in brackets as a JSON string: {@code properties["order id"]}.
 */
final class Paths {
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$-]*");

    private Paths() {
    }

    static String key(String parent, String key) {
        if (PLAIN_KEY.matcher(key).matches()) {
            return parent.isEmpty() ? key : parent + "." + key;
        }
        return parent + "[" + quote(key) + "]";
    }

    static String index(String parent, int index) {
        return parent + "[" + index + "]";
    }

    /** Longest value quoted in full in a message; longer ones are cut with an ellipsis. */
    static final int MAX_QUOTED = 80;

    /** A string as a JSON string literal, for messages. */
    static String quote(String value) {
        String s = value.length() <= MAX_QUOTED ? value
                : value.substring(0, Character.isHighSurrogate(value.charAt(MAX_QUOTED - 1)) ? MAX_QUOTED - 1 : MAX_QUOTED) + "\u2026";
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        return out.append('"').toString();
    }
}
