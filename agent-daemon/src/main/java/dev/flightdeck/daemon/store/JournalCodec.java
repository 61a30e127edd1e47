package dev.flightdeck.daemon.store;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The write journal's byte format. A record on disk is
 * {@code [int length][int crc32c of body][body]}, the body being
 * {@code txid, kind, statements (sql, typed parameters)}. A record whose length or checksum does
 * not match is a torn write of a process that died mid-append: everything from it on is ignored.
 */
final class JournalCodec {
    static final int HEADER_BYTES = 8;
    /** A record larger than this is not one we wrote: treat it as a torn tail. */
    static final int MAX_RECORD_BYTES = 256 * 1024 * 1024;

    private static final byte COMMIT = 1;
    private static final byte ABORT = 2;

    private static final byte T_NULL = 0;
    private static final byte T_STRING = 1;
    private static final byte T_LONG = 2;
    private static final byte T_INT = 3;
    private static final byte T_BOOLEAN = 4;
    private static final byte T_OFFSET_DATE_TIME = 5;
    private static final byte T_DECIMAL = 6;
    private static final byte T_DOUBLE = 7;
    private static final byte T_BYTES = 8;
    private static final byte T_SHORT = 9;

    private JournalCodec() {
    }

    /**
     * An upper bound of the bytes {@code statements} take in a record (exact for long strings,
     * which are what can make a record large).
     */
    static long maxEncodedBytes(List<JournaledStatement> statements) {
        long n = 0;
        for (JournaledStatement s : statements) {
            n += 16 + utf8Bytes(s.sql());
            for (Object p : s.params()) {
                n += 5 + (p instanceof String str ? utf8Bytes(str) : p instanceof byte[] b ? b.length
                        : p instanceof BigDecimal d ? 3L * d.toString().length() : 16);
            }
        }
        return n;
    }

    private static long utf8Bytes(String s) {
        if (s.length() <= 4096) {
            return 3L * s.length();
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3; // a surrogate pair is 4
        }
        return n;
    }

    /** Whether {@code value} can be journaled (and so bound in a journaled transaction). */
    static boolean supports(Object value) {
        return value == null || value instanceof String || value instanceof Long || value instanceof Integer
                || value instanceof Boolean || value instanceof OffsetDateTime || value instanceof BigDecimal
                || value instanceof Double || value instanceof byte[] || value instanceof Short;
    }

    /** The record with its length and checksum header, ready to append. */
    static ByteBuffer encode(JournalRecord record) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0);
            out.writeInt(0);
            out.writeLong(record.txid());
            out.writeByte(record.aborted() ? ABORT : COMMIT);
            out.writeInt(record.statements().size());
            for (JournaledStatement s : record.statements()) {
                writeString(out, s.sql());
                out.writeLong(s.updateCount());
                out.writeInt(s.params().size());
                for (Object p : s.params()) {
                    writeParam(out, p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.BIG_ENDIAN);
        int bodyLength = buffer.capacity() - HEADER_BYTES;
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), HEADER_BYTES, bodyLength);
        buffer.putInt(0, bodyLength);
        buffer.putInt(4, (int) crc.getValue());
        return buffer;
    }

    /** Whether {@code body} matches the checksum from its header. */
    static boolean checksumMatches(byte[] body, int expectedCrc) {
        CRC32C crc = new CRC32C();
        crc.update(body, 0, body.length);
        return (int) crc.getValue() == expectedCrc;
    }

    /** The record in a checksum-verified body. */
    static JournalRecord decode(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(body));
        long txid = in.readLong();
        byte kind = in.readByte();
        int count = in.readInt();
        List<JournaledStatement> statements = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String sql = readString(in);
            long updateCount = in.readLong();
            int n = in.readInt();
            List<Object> params = new ArrayList<>(n);
            for (int j = 0; j < n; j++) {
                params.add(readParam(in));
            }
            statements.add(new JournaledStatement(sql, params, updateCount));
        }
        if (kind != COMMIT && kind != ABORT) {
            throw new IOException("unknown journal record kind " + kind + " for transaction " + txid);
        }
        return new JournalRecord(txid, kind == ABORT, statements);
    }

    /** Only the transaction id of a verified body, without decoding its statements. */
    static long txidOf(byte[] body) {
        return ByteBuffer.wrap(body, 0, Long.BYTES).getLong();
    }

    private static void writeParam(DataOutputStream out, Object p) throws IOException {
        if (p == null) {
            out.writeByte(T_NULL);
        } else if (p instanceof String s) {
            out.writeByte(T_STRING);
            writeString(out, s);
        } else if (p instanceof Long l) {
            out.writeByte(T_LONG);
            out.writeLong(l);
        } else if (p instanceof Integer i) {
            out.writeByte(T_INT);
            out.writeInt(i);
        } else if (p instanceof Short s) {
            out.writeByte(T_SHORT);
            out.writeShort(s);
        } else if (p instanceof Boolean b) {
            out.writeByte(T_BOOLEAN);
            out.writeBoolean(b);
        } else if (p instanceof OffsetDateTime t) {
            out.writeByte(T_OFFSET_DATE_TIME);
            out.writeLong(t.toEpochSecond());
            out.writeInt(t.getNano());
            out.writeInt(t.getOffset().getTotalSeconds());
        } else if (p instanceof BigDecimal d) {
            out.writeByte(T_DECIMAL);
            out.writeInt(d.scale());
            writeBytes(out, d.unscaledValue().toByteArray());
        } else if (p instanceof Double d) {
            out.writeByte(T_DOUBLE);
            out.writeDouble(d);
        } else if (p instanceof byte[] b) {
            out.writeByte(T_BYTES);
            writeBytes(out, b);
        } else {
            throw new IllegalArgumentException("the write journal cannot store a parameter of type "
                    + p.getClass().getName());
        }
    }

    private static Object readParam(DataInputStream in) throws IOException {
        byte type = in.readByte();
        return switch (type) {
            case T_NULL -> null;
            case T_STRING -> readString(in);
            case T_LONG -> in.readLong();
            case T_INT -> in.readInt();
            case T_SHORT -> in.readShort();
            case T_BOOLEAN -> in.readBoolean();
            case T_OFFSET_DATE_TIME -> {
                long seconds = in.readLong();
                int nanos = in.readInt();
                ZoneOffset offset = ZoneOffset.ofTotalSeconds(in.readInt());
                yield OffsetDateTime.ofInstant(Instant.ofEpochSecond(seconds, nanos), offset);
            }
            case T_DECIMAL -> {
                int scale = in.readInt();
                yield new BigDecimal(new BigInteger(readBytes(in)), scale);
            }
            case T_DOUBLE -> in.readDouble();
            case T_BYTES -> readBytes(in);
            default -> throw new IOException("unknown journal parameter type " + type);
        };
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_RECORD_BYTES) {
            throw new IOException("bad length " + n + " in journal record");
        }
        return in.readNBytes(n);
    }
}
