package io.webhookdispatcher.app.cli;

import java.io.PrintStream;
import java.util.List;

/** Rows in columns as wide as their widest cell, two spaces apart, as {@code kubectl get} prints them. */
final class Table {
    private Table() {}

    static void print(List<List<String>> rows, PrintStream out) {
        int columns = rows.get(0).size();
        int[] width = new int[columns];
        rows.forEach(r -> {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        });
        for (List<String> row : rows) {
            var line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(i == columns - 1 ? row.get(i) : String.format("%-" + (width[i] + 2) + "s", row.get(i)));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
