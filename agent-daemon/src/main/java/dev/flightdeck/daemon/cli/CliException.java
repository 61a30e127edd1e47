package dev.flightdeck.daemon.cli;

/** A failure a command reports as one line ({@code flightdeck: <message>}) and an exit code. */
final class CliException extends RuntimeException {
    private final int exitCode;

    CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(String message) {
        this(message, ExitCodes.FAILURE);
    }

    int exitCode() {
        return exitCode;
    }
}
