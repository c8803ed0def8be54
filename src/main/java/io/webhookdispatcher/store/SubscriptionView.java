package io.webhookdispatcher.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * How a stored subscription is shown, by the {@code subscriptions} command and the admin API alike: its keys and
 * metadata, never a secret (only how many it has), and what a replica of this config does with it.
 */
public final class SubscriptionView {
    private SubscriptionView() {}

    /** {@code s} without its secrets, with its metadata and {@code status}. */
    public static ObjectNode of(StoredSubscription s, StoredSchema schema, Set<String> fileIds) {
        ObjectNode json = s.spec();
        JsonNode secrets = json.remove(StoredSchema.SECRETS);
        JsonNode secret = json.remove(StoredSchema.SECRET);
        json.put("secretCount", secret != null ? 1 : secrets != null ? secrets.size() : 0);
        json.put("description", s.description())
                .put("version", s.version())
                .put("createdAt", s.createdAt().toString())
                .put("updatedAt", s.updatedAt().toString())
                .put("status", status(s, schema, fileIds));
        s.previousSecretsUntil().ifPresent(until -> json.put("previousSecretsUntil", until.toString()));
        return json;
    }

    /** {@code ok}, {@code yaml-conflict}, {@code missing-key} or {@code invalid}: what a replica does with it. */
    public static String status(StoredSubscription s, StoredSchema schema, Set<String> fileIds) {
        if (fileIds.contains(s.id())) {
            return "yaml-conflict";
        }
        return schema.decode(s) instanceof StoredSchema.Unusable why
                ? (why.missingKey() ? "missing-key" : "invalid")
                : "ok";
    }
}
