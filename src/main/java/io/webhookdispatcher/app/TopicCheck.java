package io.webhookdispatcher.app;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Start-up check that the topics the dispatcher reads and writes exist; creates them if allowed. */
final class TopicCheck {
    private static final Logger log = LoggerFactory.getLogger(TopicCheck.class);

    private TopicCheck() {
    }

    static void ensure(Admin admin, Collection<String> topics, boolean create, int partitions, short replication,
                       java.util.Map<String, String> topicConfig) throws StartupException {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> missing = new ArrayList<>(topics);
            missing.removeAll(existing);
            if (missing.isEmpty()) {
                return;
            }
            if (!create) {
                throw new StartupException("missing Kafka topics " + missing
                        + ": create them, or set topics.create: true to let the dispatcher create them");
            }
            var newTopics = missing.stream()
                    .map(t -> new NewTopic(t, partitions, replication).configs(topicConfig)).toList();
            try {
                admin.createTopics(newTopics).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e; // another replica creating them at the same time is fine
                }
            }
            log.info("created topics {} ({} partitions, replication factor {})", missing, partitions, replication);
        } catch (ExecutionException | TimeoutException e) {
            throw new StartupException("cannot check Kafka topics: " + (e.getCause() != null ? e.getCause() : e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while checking Kafka topics");
        }
    }

}
