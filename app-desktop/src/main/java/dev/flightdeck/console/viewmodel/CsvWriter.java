package dev.flightdeck.console.viewmodel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Writes RFC 4180 CSV: fields with a comma, a quote or a line break are quoted, quotes inside are
 * doubled; lines end in CRLF.
 *
 * <p>Safe to open in a spreadsheet: a text field starting with {@code = + - @}, a tab or a carriage
 * return gets a leading apostrophe, so a tenant named {@code =HYPERLINK(...)} is shown as text,
 * never run as a formula (OWASP "CSV Injection"). A field that is a plain decimal number,
 * negative ones included, is left as it is and stays a number.
 */
public final class CsvWriter {
    /** A number a spreadsheet reads as a number and never as a formula: {@code -12}, {@code 0.050000}. */
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");

    private final Appendable out;

    public CsvWriter(Appendable out) {
        this.out = out;
    }

    /** Writes one line of fields (null is written as an empty field). */
    public CsvWriter row(List<String> fields) {
        try {
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(field(fields.get(i)));
            }
            out.append("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** One field as it appears in the file: defused if a spreadsheet could take it for a formula, then quoted if needed. */
    static String field(String value) {
        if (value == null) {
            return "";
        }
        String text = formulaLike(value) ? "'" + value : value;
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }

    private static boolean formulaLike(String value) {
        if (value.isEmpty() || NUMBER.matcher(value).matches()) {
            return false;
        }
        char first = value.charAt(0);
        return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r';
    }
}
