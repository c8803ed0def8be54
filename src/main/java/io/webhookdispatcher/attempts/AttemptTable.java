package io.webhookdispatcher.attempts;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The {@code attempts} command's table: one line per attempt, columns as wide as their widest value. */
public final class AttemptTable {
    private record Column(String title, Function<AttemptRecord, Object> value) {}

    private static final List<Column> COLUMNS = List.of(
            new Column("STARTED_AT", AttemptRecord::startedAt),
            new Column("SUBSCRIPTION", AttemptRecord::subscription),
            new Column("EVENT", AttemptRecord::eventType),
            new Column("KEY", AttemptRecord::keyText),
            new Column("ATTEMPT", AttemptRecord::attempt),
            new Column("OUTCOME", AttemptRecord::outcome),
            new Column("STATUS", a -> a.status() != null ? a.status() : a.result()),
            new Column("MS", AttemptRecord::durationMs),
            new Column("REASON", AttemptRecord::reason),
            new Column("DELIVERY_ID", AttemptRecord::deliveryId),
            new Column("ORIGIN", a -> a.topic() + "/" + a.partition() + "@" + a.offset()));

    private AttemptTable() {}

    public static void print(List<AttemptRecord> attempts, PrintStream out) {
        var rows = new ArrayList<List<String>>();
        rows.add(COLUMNS.stream().map(Column::title).toList());
        for (AttemptRecord a : attempts) {
            rows.add(COLUMNS.stream()
                    .map(c -> {
                        Object v = c.value().apply(a);
                        return v == null ? "-" : v.toString();
                    })
                    .toList());
        }
        int[] widths = new int[COLUMNS.size()];
        rows.forEach(row -> {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        });
        for (List<String> row : rows) {
            var line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                line.append(i == widths.length - 1 ? row.get(i) : String.format("%-" + widths[i] + "s  ", row.get(i)));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
