package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.store.StoredSubscription;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Parameters;

@Command(name = "get", description = "One subscription of topics.subscriptions, every key but its secrets.")
final class SubscriptionsGetCommand extends StoreCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The subscription.")
    String id;

    SubscriptionsGetCommand(Context context) {
        super(context);
    }

    @Override
    int execute(SubscriptionAdmin admin, SubscriptionEdits edits) {
        StoredSubscription found = admin.records().get(id);
        if (found == null) {
            return failed("no subscription " + id + " in topics.subscriptions"
                    + (edits.fileIds().contains(id) ? " (it is in the config file)" : ""));
        }
        ObjectNode view = view(found, admin.schema(), edits.fileIds());
        if (output == Output.json) {
            print(header().put(verdict(), true).set("subscription", view));
        } else {
            view.fields()
                    .forEachRemaining(f -> context.out()
                            .println(f.getKey() + ": "
                                    + (f.getValue().isTextual() ? f.getValue().asText() : f.getValue())));
        }
        return ExitCode.OK;
    }
}
