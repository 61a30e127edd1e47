package dev.flightdeck.daemon.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A connection that remembers the write statements executed through it, with their parameter
 * values, so a transaction can be written to the {@link WriteJournal} before it commits.
 *
 * <p>Writes must go through {@link PreparedStatement}s bound with {@code setString},
 * {@code setLong}, {@code setInt}, {@code setShort}, {@code setBoolean}, {@code setDouble},
 * {@code setBigDecimal}, {@code setBytes}, {@code setNull} or {@code setObject} of a type
 * {@link JournalCodec#supports} — anything else would be unreplayable, so it fails at once. Plain
 * {@code Statement}s are refused inside a journaled transaction for the same reason.
 */
final class RecordingConnection {
    private static final Set<String> EXECUTE = Set.of("execute", "executeUpdate", "executeLargeUpdate");
    private static final Set<String> VALUE_SETTERS = Set.of("setString", "setLong", "setInt", "setShort",
            "setBoolean", "setDouble", "setBigDecimal", "setBytes", "setObject");

    private final List<JournaledStatement> writes = new ArrayList<>();

    /** The write statements executed so far, in order. */
    List<JournaledStatement> writes() {
        return List.copyOf(writes);
    }

    /** {@code raw}, recording what its prepared statements write. */
    Connection wrap(Connection raw) {
        return proxy(Connection.class, (proxy, method, args) -> {
            String name = method.getName();
            if (name.equals("prepareStatement")) {
                PreparedStatement ps = (PreparedStatement) invoke(raw, method, args);
                return recording(ps, (String) args[0]);
            }
            if (name.equals("createStatement") || name.equals("prepareCall")) {
                throw new SQLFeatureNotSupportedException(
                        "write transactions use prepared statements so the write journal can replay them");
            }
            if (name.equals("unwrap") || name.equals("isWrapperFor")) {
                throw new SQLFeatureNotSupportedException("the journaled connection cannot be unwrapped");
            }
            return invoke(raw, method, args);
        });
    }

    private PreparedStatement recording(PreparedStatement ps, String sql) {
        List<Object> params = new ArrayList<>();
        List<List<Object>> batch = new ArrayList<>();
        return proxy(PreparedStatement.class, (proxy, method, args) -> {
            String name = method.getName();
            if (VALUE_SETTERS.contains(name) && args.length == 2) {
                Object value = args[1];
                if (!JournalCodec.supports(value)) {
                    throw new SQLFeatureNotSupportedException("the write journal cannot store a "
                            + value.getClass().getName() + " (parameter " + args[0] + " of: " + sql + ")");
                }
                bind(params, (Integer) args[0], value);
            } else if (name.equals("setNull")) {
                bind(params, (Integer) args[0], null);
            } else if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer) {
                throw new SQLFeatureNotSupportedException("the write journal cannot record " + name + " (in: " + sql + ")");
            } else if (name.equals("clearParameters")) {
                params.clear();
            } else if (name.equals("addBatch") && (args == null || args.length == 0)) {
                batch.add(new ArrayList<>(params));
            } else if (name.equals("clearBatch")) {
                batch.clear();
            } else if ((EXECUTE.contains(name) || name.equals("addBatch")) && args != null && args.length > 0) {
                throw new SQLFeatureNotSupportedException("the write journal cannot record " + name
                        + " with SQL text in a prepared statement");
            }
            Object result = invoke(ps, method, args);
            if (EXECUTE.contains(name) && (args == null || args.length == 0)) {
                writes.add(new JournaledStatement(sql, params, ps.getLargeUpdateCount()));
            } else if (name.equals("executeBatch") || name.equals("executeLargeBatch")) {
                long[] counts = result instanceof long[] l ? l : Arrays.stream((int[]) result).asLongStream().toArray();
                for (int i = 0; i < batch.size(); i++) {
                    writes.add(new JournaledStatement(sql, batch.get(i), counts[i]));
                }
                batch.clear();
            }
            return result;
        });
    }

    private static void bind(List<Object> params, int index, Object value) {
        while (params.size() < index) {
            params.add(null);
        }
        params.set(index - 1, value);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(RecordingConnection.class.getClassLoader(), new Class<?>[]{type}, handler);
    }

    /**
     * Runs {@code statement} with its parameters on {@code c} (replay) and checks it changed as
     * many rows as when it first ran: a different count means the database is not the state the
     * journal was written against, and going on would silently diverge.
     */
    static void replay(Connection c, JournaledStatement statement) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(statement.sql())) {
            List<Object> params = statement.params();
            Database.bindAll(ps, params);
            long changed = ps.executeLargeUpdate();
            if (changed != statement.updateCount()) {
                throw new SQLException("replay changed " + changed + " row(s) where the original changed "
                        + statement.updateCount() + ": " + statement.sql() + " " + params);
            }
        }
    }
}
