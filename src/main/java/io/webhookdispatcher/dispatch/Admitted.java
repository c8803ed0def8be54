package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.RecordCompletion;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What admission decided for the deliveries of one record: collected under the scheduler's lock, carried out after
 * it. Deferrals are grouped by reason, and each group goes back to the retry path as one record ({@link
 * FailurePath#deferTogether}), so an event whose subscriptions are all behind open circuits costs one retry write
 * however many they are; a group holds at most {@link #MAX_GROUP} (a record's headers name each one).
 */
final class Admitted {
    static final int MAX_GROUP = 100;

    /** Deliveries deferred for one reason, due no earlier than the earliest any of them may be taken. */
    static final class Group {
        final DeferralReason reason;
        final List<Job> jobs = new ArrayList<>();
        long atLeastMillis = Long.MAX_VALUE;
        long likelyMillis = Long.MAX_VALUE;

        Group(DeferralReason reason) {
            this.reason = reason;
        }
    }

    /** Never to be attempted, with the reason admission gave (the lane may change before it is carried out). */
    record Abandoned(Job job, String reason) {}

    private final List<Job> jobs;
    private final List<Abandoned> abandoned = new ArrayList<>(0);
    private final Map<DeferralReason, List<Group>> deferred = new EnumMap<>(DeferralReason.class);
    private boolean enqueued;

    Admitted(int deliveries) {
        this.jobs = new ArrayList<>(deliveries);
    }

    /** Every delivery's job, whatever admission decided. */
    void add(Job job) {
        jobs.add(job);
    }

    void enqueued() {
        enqueued = true;
    }

    void abandon(Job job, String reason) {
        abandoned.add(new Abandoned(job, reason));
    }

    void defer(Job job, DeferralReason reason, long atLeastMillis, long likelyMillis) {
        List<Group> groups = deferred.computeIfAbsent(reason, r -> new ArrayList<>(1));
        if (groups.isEmpty() || groups.get(groups.size() - 1).jobs.size() >= MAX_GROUP) {
            groups.add(new Group(reason));
        }
        Group group = groups.get(groups.size() - 1);
        group.jobs.add(job);
        group.atLeastMillis = Math.min(group.atLeastMillis, atLeastMillis);
        group.likelyMillis = Math.min(group.likelyMillis, likelyMillis);
    }

    /** Whether some delivery was queued: the scheduler then pumps. */
    boolean anyEnqueued() {
        return enqueued;
    }

    List<Abandoned> abandoned() {
        return abandoned;
    }

    Collection<Group> deferred() {
        if (deferred.isEmpty()) {
            return List.of(); // nearly every record: no stream per record
        }
        return deferred.values().stream().flatMap(List::stream).toList();
    }

    /** Completes once every delivery's future has: DURABLE only if all are. */
    CompletableFuture<RecordCompletion> all() {
        CompletableFuture<RecordCompletion> all = jobs.get(0).done;
        for (int i = 1; i < jobs.size(); i++) {
            all = all.thenCombine(jobs.get(i).done, RecordCompletion::and);
        }
        return all;
    }
}
