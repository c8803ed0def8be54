package io.webhookdispatcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Linux {@code /proc} readings of one process: its CPU time and its peak resident memory. */
final class Proc {
    private Proc() {}

    /** utime + stime of all the process's threads, in clock ticks ({@code getconf CLK_TCK}). */
    static long cpuTicks(long pid) {
        String stat = read("/proc/" + pid + "/stat");
        // The command name (field 2) may contain spaces; fields are counted after its closing ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15 of proc(5)
    }

    /** CPU ticks all processes of the machine spent, i.e. everything but idle and iowait (first line of /proc/stat). */
    static long machineBusyTicks() {
        String[] f = read("/proc/stat").lines().findFirst().orElseThrow().trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i <= 8; i++) { // user nice system idle iowait irq softirq steal
            busy += (i == 4 || i == 5) ? 0 : Long.parseLong(f[i]);
        }
        return busy;
    }

    /** VmHWM: the peak resident set size so far, in KiB. */
    static long peakRssKib(long pid) {
        for (String line : read("/proc/" + pid + "/status").split("\n")) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmHWM for process " + pid);
    }

    /** USER_HZ, the unit of {@link #cpuTicks}: 100 on practically every Linux. */
    static int clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return p.waitFor() == 0 ? Integer.parseInt(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " (has the process exited?)", e);
        }
    }
}
