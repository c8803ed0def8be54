package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.admin.TestEvent;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.store.StoredSubscription;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import java.security.SecureRandom;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Parameters;

@Command(
        name = "test",
        description = "Sends one signed webhook.test event to a subscription of topics.subscriptions from here (its"
                + " secret opened with admin.encryptionKeyFile, through delivery's destination guard and timeouts),"
                + " and prints the receiver's status and the latency. Exit 0 when the receiver answered 2xx.")
final class SubscriptionsTestCommand extends StoreCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The subscription.")
    String id;

    SubscriptionsTestCommand(Context context) {
        super(context);
    }

    @Override
    int execute(SubscriptionAdmin admin, SubscriptionEdits edits) {
        StoredSubscription found = admin.records().get(id);
        if (found == null) {
            return failed("no subscription " + id + " in topics.subscriptions");
        }
        if (!(admin.schema().decode(found) instanceof StoredSchema.Usable usable)) {
            return failed("subscription " + id + " cannot be applied here ("
                    + io.webhookdispatcher.store.SubscriptionView.status(found, admin.schema(), edits.fileIds())
                    + "): nothing to test");
        }
        String deliveryId = TestEvent.deliveryId(new SecureRandom());
        DeliveryOutcome outcome;
        try {
            outcome = context.backend()
                    .test(
                            loaded,
                            usable.subscription(),
                            deliveryId,
                            TestEvent.body(usable.subscription(), deliveryId, Instant.now()));
        } catch (Exception e) {
            return failed("test failed: " + e);
        }
        ObjectNode result = TestEvent.result(deliveryId, outcome);
        if (output == Output.json) {
            ObjectNode json = header().put(verdict(), result.path("delivered").asBoolean());
            json.set("test", result);
            print(json);
        } else {
            context.out()
                    .printf(
                            "%s: %s in %d ms%s%n",
                            id,
                            result.path("status").isNull()
                                    ? "no answer"
                                    : "HTTP " + result.path("status").asInt(),
                            result.path("latencyMs").asLong(),
                            result.has("error") ? " (" + result.path("error").asText() + ")" : "");
        }
        return result.path("delivered").asBoolean() ? ExitCode.OK : ExitCode.SOFTWARE;
    }
}
