package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.retry.Replay;
import io.webhookdispatcher.retry.RetryPolicy;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(
        name = "replay",
        description = {
            "Re-publishes dead letters to the first retry topic, due now, for a running dispatcher to deliver.",
            "Selects the records that match every given filter; with no filter, --all is required.",
            "Exit 0 done, 1 invalid config or failed, 2 usage error (nothing is replayed)."
        })
final class ReplayCommand extends ConfigCommand {
    @Option(names = "--subscription", paramLabel = "ID", description = "Only this subscription's dead letters.")
    String subscription;

    @Option(
            names = "--event",
            paramLabel = "GLOB",
            converter = EventFilterConverter.class,
            description = "Only these event types: *, object.*, *.action or object.action.")
    EventFilter event;

    @Option(
            names = "--reason",
            paramLabel = "R",
            description = "Only this webhook.reason, e.g. retries-exhausted or permanent-failure.")
    String reason;

    @Option(
            names = "--since",
            paramLabel = "TIME",
            converter = TimeConverter.class,
            description = "Dead-lettered at or after TIME: an ISO-8601 instant or a duration ago (2h).")
    Instant since;

    @Option(
            names = "--until",
            paramLabel = "TIME",
            converter = TimeConverter.class,
            description = "Dead-lettered before TIME: an ISO-8601 instant or a duration ago (30m).")
    Instant until;

    @Option(names = "--all", description = "Replay every dead letter (required when no filter is given).")
    boolean all;

    @Option(names = "--dry-run", description = "Print what would be replayed; publish nothing.")
    boolean dryRun;

    @Option(
            names = "--output",
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text, or json: the result as one JSON object on stdout, the per-record lines "
                    + "on stderr (${COMPLETION-CANDIDATES}).")
    Output output;

    ReplayCommand(Context context) {
        super(context);
    }

    @Override
    Output output() {
        return output;
    }

    @Override
    void checkUsage() {
        boolean filtered = Stream.of(subscription, event, reason, since, until).anyMatch(Objects::nonNull);
        if (!filtered && !all) {
            throw new ParameterException(
                    spec.commandLine(),
                    "replay needs a filter (--subscription, --event, "
                            + "--reason, --since, --until), or --all to replay every dead letter");
        }
        if (filtered && all) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--all replays every dead letter: " + "give it alone, or give filters without it");
        }
    }

    @Override
    int execute(DispatcherConfig loaded) {
        String retryTopic = new RetryPolicy(loaded.retry(), loaded.topics().retry(), () -> 0.5).firstTopic();
        var filter = new Replay.Filter(
                Optional.ofNullable(subscription),
                Optional.ofNullable(event),
                Optional.ofNullable(reason),
                Optional.ofNullable(since),
                Optional.ofNullable(until));
        Replay.Result result;
        try {
            result = context.backend()
                    .replay(loaded, retryTopic, filter, dryRun, output == Output.json ? context.err() : context.out());
        } catch (Exception e) {
            return failed("replay failed: " + e);
        }
        if (output == Output.json) {
            print(json(loaded, retryTopic, result));
        } else {
            context.out()
                    .printf(
                            "%s: scanned %d, matched %d, %s %d (%d not replayable: invalid input, not a delivery)%n",
                            loaded.topics().deadLetter(),
                            result.scanned(),
                            result.matched(),
                            dryRun ? "would re-publish" : "re-published",
                            dryRun ? result.matched() : result.republished(),
                            result.notReplayable());
        }
        return ExitCode.OK;
    }

    private ObjectNode json(DispatcherConfig loaded, String retryTopic, Replay.Result result) {
        ObjectNode json = header().put("ok", true).put("dryRun", dryRun).put("all", all);
        json.putObject("filter")
                .put("subscription", subscription)
                .put("event", event == null ? null : event.toString())
                .put("reason", reason)
                .put("since", since == null ? null : since.toString())
                .put("until", until == null ? null : until.toString());
        return json.put("deadLetterTopic", loaded.topics().deadLetter())
                .put("retryTopic", retryTopic)
                .put("scanned", result.scanned())
                .put("matched", result.matched())
                .put("republished", result.republished())
                .put("notReplayable", result.notReplayable());
    }
}
