package io.webhookdispatcher.app;

/** The dispatcher cannot start; the message says why and what to do. */
public final class StartupException extends Exception {
    public StartupException(String message) {
        super(message);
    }
}
