package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.DaemonCallException;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * The notification area: errors from any daemon call land here (and in the log), newest first,
 * at most {@value #MAX} kept. {@link #messageProperty()} is the latest message as one line.
 */
public final class NotificationsViewModel {
    static final int MAX = 4;
    private static final Logger LOG = LoggerFactory.getLogger(NotificationsViewModel.class);

    private final ObservableList<Notice> notices = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("");
    private final Clock clock;

    public NotificationsViewModel(Clock clock) {
        this.clock = clock;
    }

    public ObservableList<Notice> notices() {
        return notices;
    }

    public ReadOnlyStringProperty messageProperty() {
        return message.getReadOnlyProperty();
    }

    public void error(String title, Throwable error) {
        LOG.warn("{}: {}", title, describe(error), error instanceof DaemonCallException ? null : error);
        add(new Notice(Notice.Level.ERROR, title, describe(error), clock.instant()));
    }

    public void warning(String title, String text) {
        add(new Notice(Notice.Level.WARNING, title, text, clock.instant()));
    }

    public void info(String title, String text) {
        add(new Notice(Notice.Level.INFO, title, text, clock.instant()));
    }

    public void dismiss(Notice notice) {
        notices.remove(notice);
        if (notices.isEmpty()) {
            message.set("");
        }
    }

    public void clear() {
        notices.clear();
        message.set("");
    }

    private void add(Notice notice) {
        notices.add(0, notice);
        if (notices.size() > MAX) {
            notices.remove(MAX, notices.size());
        }
        message.set(notice.title() + ": " + notice.text());
    }

    /** A sentence fit for a user: the daemon's own message, else the exception's. */
    public static String describe(Throwable error) {
        Throwable t = error;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
