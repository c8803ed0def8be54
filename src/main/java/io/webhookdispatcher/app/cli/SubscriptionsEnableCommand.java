package io.webhookdispatcher.app.cli;

import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import java.util.Optional;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code enable} and {@code disable}: the stored subscription's {@code enabled}, one class under two names. */
@Command(
        description = "Sets a subscription's enabled key in topics.subscriptions; a disabled one gets nothing, and its"
                + " waiting retries are dead-lettered with reason subscription-disabled.")
final class SubscriptionsEnableCommand extends StoreCommand {
    private final boolean enabled;

    @Parameters(index = "0", paramLabel = "ID", description = "The subscription.")
    String id;

    @Option(names = "--if-version", paramLabel = "N", description = "Only if it is still at version N.")
    Long ifVersion;

    SubscriptionsEnableCommand(Context context, boolean enabled) {
        super(context);
        this.enabled = enabled;
    }

    @Override
    int execute(SubscriptionAdmin admin, SubscriptionEdits edits) {
        var version = ifVersion == null ? OptionalLong.empty() : OptionalLong.of(ifVersion);
        var edit = edits.update(id, spec -> spec.put("enabled", enabled), Optional.empty(), version);
        return report(admin.write(id, edit), written -> {
            if (output == Output.json) {
                print(header().put(verdict(), true)
                        .set("subscription", view(written, admin.schema(), edits.fileIds())));
            } else {
                context.out()
                        .printf(
                                "%s subscription %s (version %d)%n",
                                enabled ? "enabled" : "disabled", id, written.version());
            }
        });
    }
}
