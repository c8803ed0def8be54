package io.webhookdispatcher.config;

import io.webhookdispatcher.config.ConfigKeys.Breaker;
import io.webhookdispatcher.config.ConfigKeys.Delivery;
import io.webhookdispatcher.config.ConfigKeys.Retry;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.Network;
import io.webhookdispatcher.dispatch.Subscription;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;

/**
 * What a valid config may get wrong without meaning to, found once it is read: each a {@link ConfigErrors#warn
 * warning}, logged at load and printed by {@code validate-config} (which still exits 0).
 */
final class ConfigWarnings {
    /** The cloud metadata service: AWS, GCP, Azure, OpenStack at the IPv4 one, AWS's IPv6 one on Nitro. */
    static final List<String> METADATA = List.of("169.254.169.254", "fd00:ec2::254");

    private ConfigWarnings() {}

    static void check(DispatcherConfig config, ConfigErrors errors) {
        metadataAddresses(config.delivery().destinations().allowedNetworks(), errors);
        breakerOutlastsRetries(config, errors);
        metadataPatternsOfTwoParts(config.subscriptions(), errors);
        storeWithoutKeys(config, errors);
    }

    /** Every secret in topics.subscriptions is sealed: without a key, none of its subscriptions can sign. */
    private static void storeWithoutKeys(DispatcherConfig config, ConfigErrors errors) {
        if (config.topics().subscriptions().isPresent()
                && config.admin().encryptionKeyFile().isEmpty()) {
            errors.warn(
                    "topics.subscriptions",
                    "is set without admin.encryptionKeyFile: its subscriptions' secrets cannot be decrypted, so none"
                            + " of them is applied, and the subscriptions command cannot write");
        }
    }

    /**
     * {@code "metadata.*"} is a record pattern, an object called {@code metadata}, as it is in the CRM: its metadata
     * events are named {@code metadata.<name>.<action>}, so a subscriber who meant them gets none.
     */
    private static void metadataPatternsOfTwoParts(List<Subscription> subscriptions, ConfigErrors errors) {
        for (Subscription s : subscriptions) {
            for (int i = 0; i < s.events().size(); i++) {
                if (s.events().get(i).key().equals("metadata.*")) {
                    errors.warn(
                            "subscriptions[" + s.id() + "].events[" + i + "]",
                            "'metadata.*' matches record events of an object called metadata, no metadata event (they"
                                    + " are metadata.<name>.<action>): write metadata.*.* for those");
                }
            }
        }
    }

    /**
     * An allowed range that covers the metadata address ({@code 0.0.0.0/0}, {@code 169.254.0.0/16}) lets any
     * subscription's URL read the pod's cloud credentials, past the destination guard's refusal.
     */
    private static void metadataAddresses(List<Network> allowed, ConfigErrors errors) {
        String key = Delivery.SECTION.name() + "." + Delivery.ALLOWED_NETWORKS.name();
        for (Network network : allowed) {
            for (String metadata : METADATA) {
                if (network.contains(address(metadata))) {
                    errors.warn(
                            key,
                            network + " covers the cloud metadata address " + metadata
                                    + ": a subscription URL could read the instance's credentials; allow narrower"
                                    + " ranges that leave it out");
                }
            }
        }
    }

    /**
     * Deliveries an open circuit defers wait on the retry path; once pending longer than the whole schedule they
     * are dead-lettered as {@code retries-exhausted}. A first cool-down longer than the schedule dead-letters them
     * before the breaker's first probe, without a single attempt.
     */
    private static void breakerOutlastsRetries(DispatcherConfig config, ConfigErrors errors) {
        Duration retries = config.retry().schedule().stream().reduce(Duration.ZERO, Duration::plus);
        CircuitBreaker.Settings shared = config.delivery().circuitBreaker();
        String open = Breaker.OPEN_DURATION.name();
        outlasts(shared, retries, Delivery.SECTION.name() + "." + Delivery.CIRCUIT_BREAKER.name() + "." + open, errors);
        for (Subscription s : config.subscriptions()) {
            if (!s.breaker().equals(shared)) {
                outlasts(s.breaker(), retries, "subscriptions[" + s.id() + "].circuitBreaker." + open, errors);
            }
        }
    }

    private static void outlasts(CircuitBreaker.Settings breaker, Duration retries, String key, ConfigErrors errors) {
        if (breaker.enabled() && breaker.openDuration().compareTo(retries) > 0) {
            errors.warn(
                    key,
                    Durations.format(breaker.openDuration()) + " is longer than the whole " + Retry.SECTION.name()
                            + "." + Retry.SCHEDULE.name() + " (" + Durations.format(retries) + "): deliveries an open"
                            + " circuit defers are dead-lettered as retries-exhausted before its first probe,"
                            + " never attempted; lengthen the schedule or shorten the cool-down");
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalStateException(literal, e);
        }
    }
}
