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
