package io.webhookdispatcher.app.cli;

/** {@code --output}. Lower-case constants: picocli shows them as written in help and error messages. */
enum Output {
    text,
    json
}
