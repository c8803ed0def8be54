package io.webhookdispatcher.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Node.js webhook receiver ({@code src/test/resources/standard-webhooks-receiver.js}) that verifies each
 * request with the official {@code standardwebhooks} npm package and the Twenty-scheme code of
 * docs/delivery-contract.md. The package is installed with npm into {@code target/npm} once; a test is skipped, saying
 * so, only without node or npm.
 */
public final class NodeWebhookReceiver implements AutoCloseable {
    /** The version the tests were written against, pinned so that a new release cannot change them unseen. */
    public static final String PACKAGE = "standardwebhooks@1.1.1";

    private static final Path PREFIX = Path.of("target", "npm", "standardwebhooks-1.1.1");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the receiver got on one request; {@code standard} and {@code twenty} are null where not checked. */
    public record Result(String path, String id, String body, Boolean standard, Boolean twenty) {}

    /** How one path verifies: a Standard Webhooks secret ({@code raw}: its UTF-8 bytes), a Twenty secret. */
    public record Check(String standard, boolean raw, String twenty) {
        public static Check standard(String secret) {
            return new Check(secret, false, null);
        }

        public static Check standardRaw(String secret) {
            return new Check(secret, true, null);
        }

        public static Check twentyAndStandard(String secret) {
            return new Check(secret, false, secret);
        }
    }

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    public NodeWebhookReceiver(Map<String, Check> endpoints) throws IOException, InterruptedException {
        assumeTrue(
                available("node") && available("npm"),
                "node and npm are needed to verify with the standardwebhooks npm package; not installed here");
        Path modules = install();
        var config = new java.util.LinkedHashMap<String, Map<String, Object>>();
        endpoints.forEach((path, check) -> {
            var c = new java.util.LinkedHashMap<String, Object>();
            if (check.standard() != null) {
                c.put("standard", check.standard());
                c.put("raw", check.raw());
            }
            if (check.twenty() != null) {
                c.put("twenty", check.twenty());
            }
            config.put(path, c);
        });
        var builder = new ProcessBuilder(
                        "node", "src/test/resources/standard-webhooks-receiver.js", JSON.writeValueAsString(config))
                .redirectError(ProcessBuilder.Redirect.appendTo(
                        PREFIX.resolve("receiver.log").toFile())); // not inherited: see install()
        builder.environment().put("NODE_PATH", modules.toAbsolutePath().toString());
        process = builder.start();
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine(); // blocks until it listens, or null if it died
        if (line == null || !line.startsWith("listening ")) {
            process.destroyForcibly();
            throw new IllegalStateException("the Node receiver did not start: " + line);
        }
        port = Integer.parseInt(line.substring("listening ".length()).trim());
    }

    /** Installs the package unless an earlier run did; npm's own failure fails the test. */
    private static Path install() throws IOException, InterruptedException {
        Path modules = PREFIX.resolve("node_modules");
        if (Files.isRegularFile(modules.resolve("standardwebhooks").resolve("package.json"))) {
            return modules;
        }
        Files.createDirectories(PREFIX);
        Path log = PREFIX.resolve("npm-install.log");
        Process npm = new ProcessBuilder(
                        "npm",
                        "install",
                        "--prefix",
                        PREFIX.toString(),
                        "--no-audit",
                        "--no-fund",
                        "--no-save",
                        PACKAGE)
                // Never inherit the test JVM's stdin/stdout: they carry the surefire fork protocol, and a child
                // that reads or writes them corrupts it (the build then fails after every test has passed).
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        npm.getOutputStream().close();
        if (!npm.waitFor(180, TimeUnit.SECONDS) || npm.exitValue() != 0) {
            npm.destroyForcibly();
            throw new IllegalStateException("npm install " + PACKAGE + " failed: " + Files.readString(log));
        }
        return modules;
    }

    private static boolean available(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Everything received so far, in arrival order. */
    public List<Result> results() throws IOException, InterruptedException {
        String body = http.send(
                        HttpRequest.newBuilder(URI.create(url("/results"))).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return JSON.readValue(body, new TypeReference<List<Result>>() {});
    }

    /** The results on one path. */
    public List<Result> results(String path) throws IOException, InterruptedException {
        return results().stream().filter(r -> r.path().equals(path)).toList();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
