package dev.flightdeck.daemon.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The daemon's embedded H2 file database: a connection pool over {@code <db-dir>/flightdeck},
 * migrated by Flyway when opened, shut down explicitly when closed.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** H2 "database may be already in use". */
    private static final int H2_DATABASE_ALREADY_OPEN = 90020;
    /** H2 unique index or primary key violation. */
    private static final int H2_DUPLICATE_KEY = 23505;

    private final HikariDataSource pool;

    private Database(HikariDataSource pool) {
        this.pool = pool;
    }

    /**
     * The JDBC URL, with every option in one place:
     * WRITE_DELAY=0 so a committed transaction is written at commit (it survives kill -9, not
     * only a clean exit); DB_CLOSE_ON_EXIT=FALSE because {@link #close()} runs SHUTDOWN itself,
     * after the daemon has drained, rather than from H2's own shutdown hook racing ours.
     */
    static String jdbcUrl(Path dbDir) {
        return "jdbc:h2:file:" + dbDir.toAbsolutePath().resolve("flightdeck") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
    }

    /** Opens (creating if needed) the database in {@code dbDir} and migrates it to the latest schema. */
    public static Database open(Path dbDir) {
        try {
            Files.createDirectories(dbDir);
        } catch (IOException e) {
            throw new StoreException("cannot create database directory " + dbDir + ": " + e.getMessage(), e);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl(dbDir));
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(8);
        config.setPoolName("flightdeck-db");
        config.setInitializationFailTimeout(-1);
        HikariDataSource pool = new HikariDataSource(config);
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            if (isAlreadyOpen(e)) {
                throw new StoreException("the database in " + dbDir + " is in use by another process", e);
            }
            throw new StoreException("cannot open or migrate the database in " + dbDir + ": " + e.getMessage(), e);
        }
        LOG.info("database ready in {}", dbDir);
        return new Database(pool);
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public <T> T inTransaction(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** Runs read-only {@code work} on a pooled connection. */
    public <T> T read(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** Shuts H2 down (flushing everything) and closes the pool. Idempotent. */
    @Override
    public void close() {
        if (pool.isClosed()) {
            return;
        }
        boolean shutDown = false;
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
            shutDown = true;
        } catch (SQLException e) {
            // After a successful SHUTDOWN, closing the statement and connection fails harmlessly.
            if (!shutDown) {
                LOG.warn("H2 SHUTDOWN failed: {}", e.getMessage());
            }
        } finally {
            pool.close();
        }
    }

    static StoreException translate(SQLException e) {
        if (e.getErrorCode() == H2_DUPLICATE_KEY || "23505".equals(e.getSQLState())) {
            return new DuplicateKeyException(e.getMessage(), e);
        }
        return new StoreException("database error: " + e.getMessage(), e);
    }

    private static boolean isAlreadyOpen(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getErrorCode() == H2_DATABASE_ALREADY_OPEN) {
                return true;
            }
        }
        return false;
    }

    static OffsetDateTime toDb(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    static Instant fromDb(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }

}
