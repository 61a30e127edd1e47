package dev.flightdeck.console.viewmodel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes RFC 4180 CSV: fields with a comma, a quote or a line break are quoted, quotes inside are
 * doubled; lines end in CRLF.
 */
public final class CsvWriter {
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

    /** One field as it appears in the file. */
    static String field(String value) {
        if (value == null) {
            return "";
        }
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }
}
