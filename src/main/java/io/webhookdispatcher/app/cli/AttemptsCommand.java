package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.attempts.AttemptQuery;
import io.webhookdispatcher.attempts.AttemptTable;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.event.EventFilter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(
        name = "attempts",
        description = {
            "Answers \"did subscription S get event K?\": prints the delivery log (topics.attempts), every attempt"
                    + " and decision that matches every given filter, oldest first.",
            "Reads from --since (default 24h ago) to the topic's end at start. Exit 0 done (also when nothing"
                    + " matched), 1 invalid config, no topics.attempts or failed, 2 usage error."
        })
final class AttemptsCommand extends ConfigCommand {
    @Option(names = "--subscription", paramLabel = "ID", description = "Only this subscription's attempts.")
    String subscription;

    @Option(
            names = "--key",
            paramLabel = "KEY",
            description = "Only events with this record key (its text, or base64 for a key that is not UTF-8).")
    String key;

    @Option(names = "--delivery-id", paramLabel = "ID", description = "Only this delivery (the webhook-id).")
    String deliveryId;

    @Option(
            names = "--event",
            paramLabel = "GLOB",
            converter = EventFilterConverter.class,
            description = "Only these event types: *, object.*, *.action or object.action.")
    EventFilter event;

    @Option(
            names = "--outcome",
            paramLabel = "O",
            description = "Only this outcome: delivered, retry_scheduled, deferred, circuit_open, dead_lettered"
                    + " or rebalanced.")
    String outcome;

    @Option(
            names = "--since",
            paramLabel = "TIME",
            converter = TimeConverter.class,
            description = "Started at or after TIME: an ISO-8601 instant or a duration ago (default 24h).")
    Instant since;

    @Option(
            names = "--until",
            paramLabel = "TIME",
            converter = TimeConverter.class,
            description = "Started before TIME: an ISO-8601 instant or a duration ago (30m).")
    Instant until;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "1000",
            description = "Print at most N matches (the count says how many there were in all).")
    int limit;

    @Option(
            names = "--output",
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text: a table; or json: one JSON object on stdout (${COMPLETION-CANDIDATES}).")
    Output output;

    AttemptsCommand(Context context) {
        super(context);
    }

    @Override
    Output output() {
        return output;
    }

    @Override
    void checkUsage() {
        if (limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be at least 1");
        }
    }

    @Override
    int execute(DispatcherConfig loaded) {
        if (loaded.topics().attempts().isEmpty()) {
            return failed("topics.attempts is not set in " + config + ": there is no delivery log to read");
        }
        String topic = loaded.topics().attempts().get();
        var filter = new AttemptQuery.Filter(
                Optional.ofNullable(subscription),
                Optional.ofNullable(key),
                Optional.ofNullable(deliveryId),
                Optional.ofNullable(event),
                Optional.ofNullable(outcome),
                since != null ? since : Instant.now().minus(Duration.ofHours(24)),
                Optional.ofNullable(until));
        AttemptQuery.Result result;
        try {
            result = context.backend().attempts(loaded, topic, filter, limit);
        } catch (Exception e) {
            return failed("attempts failed: " + e);
        }
        if (output == Output.json) {
            print(json(topic, filter, result));
        } else {
            printText(topic, filter, result);
        }
        return ExitCode.OK;
    }

    private ObjectNode json(String topic, AttemptQuery.Filter filter, AttemptQuery.Result result) {
        ObjectNode json = header().put("ok", true)
                .put("topic", topic)
                .put("since", filter.since().toString())
                .put("scanned", result.scanned())
                .put("matched", result.total());
        var list = json.putArray("attempts");
        result.matched().forEach(a -> list.add(JSON.valueToTree(a)));
        return json;
    }

    private void printText(String topic, AttemptQuery.Filter filter, AttemptQuery.Result result) {
        if (result.total() == 0) {
            context.out()
                    .printf("no attempts matched (%s since %s: scanned %d)%n", topic, filter.since(), result.scanned());
            return;
        }
        AttemptTable.print(result.matched(), context.out());
        context.out()
                .printf(
                        "%d attempts matched%s (%s since %s: scanned %d)%n",
                        result.total(),
                        result.total() > result.matched().size()
                                ? ", showing the first " + result.matched().size()
                                : "",
                        topic,
                        filter.since(),
                        result.scanned());
    }
}
