package io.webhookdispatcher.app.cli;

import java.io.PrintStream;
import java.util.function.Function;

/** What every command is given: the environment its config may reference, the two streams, the backend. */
record Context(Function<String, String> env, PrintStream out, PrintStream err, Cli.Backend backend) {}
