package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Option;

@Command(
        name = "list",
        description = "The subscriptions of topics.subscriptions, by id, without their secrets; STATUS says whether a"
                + " replica with this config applies each: ok, invalid, missing-key or yaml-conflict.")
final class SubscriptionsListCommand extends StoreCommand {
    @Option(names = "--workspace", paramLabel = "ID", description = "Only this workspace's subscriptions.")
    String workspace;

    SubscriptionsListCommand(Context context) {
        super(context);
    }

    @Override
    int execute(SubscriptionAdmin admin, SubscriptionEdits edits) {
        Set<String> fileIds = edits.fileIds();
        List<ObjectNode> views = new ArrayList<>();
        admin.records().values().stream()
                .filter(s ->
                        workspace == null || workspace.equals(s.workspaceId().orElse(null)))
                .forEach(s -> views.add(view(s, admin.schema(), fileIds)));
        if (output == Output.json) {
            ObjectNode json = header().put(verdict(), true);
            ArrayNode list = json.putArray("subscriptions");
            views.forEach(list::add);
            print(json);
        } else {
            List<List<String>> rows = new ArrayList<>();
            rows.add(COLUMNS);
            views.forEach(v -> rows.add(row(v)));
            Table.print(rows, context.out());
        }
        return ExitCode.OK;
    }
}
