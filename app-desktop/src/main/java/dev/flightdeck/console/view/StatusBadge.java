package dev.flightdeck.console.view;

import dev.flightdeck.client.RunState;
import dev.flightdeck.console.viewmodel.Formats;
import javafx.scene.control.Label;

import java.util.Locale;

/** A run's status as a coloured pill. */
final class StatusBadge extends Label {
    StatusBadge() {
        getStyleClass().add("badge");
        setMinWidth(USE_PREF_SIZE);
    }

    StatusBadge(RunState state) {
        this();
        show(state);
    }

    /** A table cell showing its run state as a badge. */
    static <S> javafx.scene.control.TableCell<S, RunState> tableCell() {
        return new javafx.scene.control.TableCell<>() {
            private final StatusBadge badge = new StatusBadge();

            @Override
            protected void updateItem(RunState state, boolean empty) {
                super.updateItem(state, empty);
                if (empty || state == null) {
                    setGraphic(null);
                } else {
                    badge.show(state);
                    setGraphic(badge);
                }
            }
        };
    }

    void show(RunState state) {
        getStyleClass().removeIf(c -> c.startsWith("badge-"));
        if (state == null) {
            setText("");
            return;
        }
        getStyleClass().add("badge-" + state.name().toLowerCase(Locale.ROOT));
        setText(Formats.state(state));
    }
}
