package io.webhookdispatcher.app.cli;

import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "delete",
        description = "Deletes a subscription of topics.subscriptions (a tombstone): every replica stops sending to it"
                + " within a second, and its waiting retries are dead-lettered with reason subscription-removed.")
final class SubscriptionsDeleteCommand extends StoreCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The subscription.")
    String id;

    @Option(names = "--if-version", paramLabel = "N", description = "Only if it is still at version N.")
    Long ifVersion;

    SubscriptionsDeleteCommand(Context context) {
        super(context);
    }

    @Override
    int execute(SubscriptionAdmin admin, SubscriptionEdits edits) {
        var version = ifVersion == null ? OptionalLong.empty() : OptionalLong.of(ifVersion);
        return report(admin.write(id, edits.delete(id, version)), deleted -> {
            if (output == Output.json) {
                print(header().put(verdict(), true).put("id", id).put("deleted", true));
            } else {
                context.out().printf("deleted subscription %s%n", id);
            }
        });
    }
}
