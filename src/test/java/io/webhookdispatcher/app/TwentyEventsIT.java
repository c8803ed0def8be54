package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.TwentyCorpus;
import io.webhookdispatcher.testkit.TwentyCorpus.Example;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The CRM's real webhook bodies (the corpus) on the real broker, with real HTTP: each reaches exactly the
 * subscriptions the CRM itself would send it to, byte for byte and signed.
 */
@ExtendWith(DispatcherExtension.class)
class TwentyEventsIT {
    private static final String WORKSPACE = "20202020-1c25-4d02-bf25-6aeccf7ea419";

    private static final List<Example> CORPUS = TwentyCorpus.all();

    /** Which corpus examples {@code path} received, each identified by its exact bytes. */
    private static Set<String> received(DispatcherFixture f, String path) {
        return f.receiver().received(path).stream().map(TwentyEventsIT::example).collect(Collectors.toSet());
    }

    private static String example(Received request) {
        return CORPUS.stream()
                .filter(e -> Arrays.equals(e.body(), request.body()))
                .map(Example::name)
                .findFirst()
                .orElse("a body that is no corpus example, byte for byte");
    }

    private static Set<String> allBut(String... names) {
        Set<String> all = CORPUS.stream().map(Example::name).collect(Collectors.toSet());
        all.removeAll(List.of(names));
        return all;
    }

    @Test
    void shouldDeliverEachCrmEventToExactlyTheSubscriptionsTheCrmWouldSignedAndByteForByte(DispatcherFixture f)
            throws Exception {
        // given: subscriptions written as the CRM's webhook operations
        f.subscription("all", "/all", "[\"*\"]")
                .subscription("created", "/created", "[\"*.created\"]")
                .subscription("updates", "/updates", "[\"*.updated\"]")
                .subscription("workflow-runs", "/workflow-runs", "[\"workflowRun.*\"]")
                .subscription("workflow-run-updates", "/workflow-run-updates", "[\"workflowRun.updated\"]")
                .subscription("metadata", "/metadata", "[\"metadata.*.*\"]")
                .subscription("field-metadata", "/field-metadata", "[\"metadata.fieldMetadata.*\"]");
        f.workspaceSubscription("workspace", WORKSPACE, List.of("*.*"))
                .workspaceSubscription("other-workspace", "another-workspace", List.of("*"))
                .createEventsTopic();

        // when: every body of the corpus, as the CRM POSTs it
        for (Example example : CORPUS) {
            f.send(example.name(), example.body());
        }
        f.start();

        // then
        await().atMost(Duration.ofSeconds(25))
                .untilAsserted(() -> assertThat(f.receiver().received()).hasSize(14 + 5 + 2 + 1 + 1 + 3 + 2 + 14));
        assertThat(received(f, "/all")).isEqualTo(allBut("workflowRun.updated"));
        assertThat(received(f, "/workspace")).isEqualTo(allBut("workflowRun.updated"));
        assertThat(received(f, "/created"))
                .containsExactlyInAnyOrder(
                        "person.created",
                        "petOwner.created",
                        "workflowRun.created",
                        "note.created--unicode",
                        "note.created--large");
        assertThat(received(f, "/updates")).containsExactlyInAnyOrder("person.updated", "company.updated");
        assertThat(received(f, "/workflow-runs")).containsExactly("workflowRun.created");
        assertThat(received(f, "/workflow-run-updates")).containsExactly("workflowRun.updated");
        assertThat(received(f, "/metadata"))
                .containsExactlyInAnyOrder(
                        "metadata.fieldMetadata.created",
                        "metadata.objectMetadata.updated",
                        "metadata.fieldMetadata.deleted");
        assertThat(received(f, "/field-metadata"))
                .containsExactlyInAnyOrder("metadata.fieldMetadata.created", "metadata.fieldMetadata.deleted");
        assertThat(f.receiver().received("/other-workspace")).isEmpty();
        assertThat(f.receiver().received())
                .allSatisfy(r -> assertThat(r.signatureValid())
                        .as("signature of %s", r.path())
                        .isTrue());
        assertThat(f.deadLetters()).as("nothing dead-lettered").isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> f.uncommittedEvents() == 0);
    }
}
