package io.webhookdispatcher.app.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code subscriptions}: the run-time subscriptions of {@code topics.subscriptions}; a sub-command says what to do. */
@Command(
        name = "subscriptions",
        description = {
            "Lists, shows, creates, updates, deletes, enables, disables or tests the subscriptions kept in"
                    + " topics.subscriptions: every replica applies a change within a second. The config file's own"
                    + " subscriptions are not managed here, and their ids are refused.",
            "Exit 0 done, 1 invalid config, refused or failed (not found, version conflict, invalid subscription),"
                    + " 2 usage error."
        })
final class SubscriptionsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(
                spec.commandLine(), "no sub-command given: list, get, create, update, delete, enable, disable or test");
    }
}
