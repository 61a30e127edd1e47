package dev.flightdeck.console.viewmodel;

/**
 * Questions the console asks the user, behind an interface so view models are testable without
 * a window (tests answer with a fixed reply; the app shows a dialog).
 */
public interface UserPrompts {

    /** Asks a yes/no question; true when the user chose {@code confirmLabel}. Called on the UI thread. */
    boolean confirm(String title, String question, String confirmLabel);

    /** Always answers {@code answer}: for tests and for options such as {@code --start-daemon}. */
    static UserPrompts answering(boolean answer) {
        return (title, question, confirmLabel) -> answer;
    }
}
