package io.webhookdispatcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code java} launcher with the flags the measured processes (dispatcher and raw baseline) get, and
 * its name as those processes see it: {@code java.vm.name}, {@code java.vm.version} and the collector.
 */
record Jvm(Path java, List<String> flags, String label, String specVersion) {

    /** Asks the launcher itself, with the same flags, so the label names the VM and GC the runs get. */
    static Jvm probe(Path java, List<String> flags) {
        var command = new ArrayList<String>();
        command.add(java.toString());
        command.addAll(flags);
        command.addAll(List.of("-XX:+PrintCommandLineFlags", "-XshowSettings:properties", "-version"));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
            }
            String gc = out.contains("+UseG1GC")
                    ? "G1"
                    : out.contains("+UseSerialGC")
                            ? "Serial"
                            : out.contains("+UseParallelGC")
                                    ? "Parallel"
                                    : out.contains("+UseZGC") ? "ZGC" : "other GC";
            String label = property(out, "java.vm.name") + " " + property(out, "java.vm.version") + ", " + gc;
            return new Jvm(java, List.copyOf(flags), label, property(out, "java.specification.version"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Short name for tables: the feature version, e.g. {@code JDK 17}. */
    String shortName() {
        return "JDK " + specVersion;
    }

    private static String property(String settings, String name) {
        for (String line : settings.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith(name + " = ")) {
                return trimmed.substring(name.length() + 3);
            }
        }
        return "?";
    }
}
