package dev.flightdeck.console.view;

import dev.flightdeck.console.viewmodel.UserPrompts;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.stage.Window;

import java.util.function.Supplier;

/** Asks with a modal dialog over the console window. */
public final class FxUserPrompts implements UserPrompts {
    private final Supplier<Window> owner;

    public FxUserPrompts(Supplier<Window> owner) {
        this.owner = owner;
    }

    @Override
    public boolean confirm(String title, String question, String confirmLabel) {
        ButtonType yes = new ButtonType(confirmLabel, ButtonBar.ButtonData.OK_DONE);
        ButtonType no = new ButtonType("Not now", ButtonBar.ButtonData.CANCEL_CLOSE);
        Alert alert = new Alert(Alert.AlertType.CONFIRMATION, question, yes, no);
        alert.setTitle(title);
        alert.setHeaderText(title);
        Window w = owner.get();
        if (w != null && w.isShowing()) {
            alert.initOwner(w);
        }
        return alert.showAndWait().filter(yes::equals).isPresent();
    }
}
