package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.testkit.DispatcherProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's extension directory: a SASL callback handler from a jar of its own is found when the jar is in
 * {@code ext/} on the class path, as the Dockerfile's ENTRYPOINT puts it, and reported with Kafka's message and a
 * hint when it is not.
 */
class ExtensionDirectoryIT {
    private static final String HANDLER = "com.example.auth.TokenCallbackHandler";
    private static final String SOURCE = """
            package com.example.auth;

            import java.util.List;
            import java.util.Map;
            import javax.security.auth.callback.Callback;
            import javax.security.auth.login.AppConfigurationEntry;
            import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;

            public class TokenCallbackHandler implements AuthenticateCallbackHandler {
                @Override
                public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> entries) {
                }

                @Override
                public void handle(Callback[] callbacks) {
                }

                @Override
                public void close() {
                }
            }
            """;

    @TempDir
    Path dir;

    @Test
    void shouldLoadAKafkaPluginFromTheExtensionDirectory() throws Exception {
        // given: a config naming a login callback handler that only an extension jar has
        Path ext = Files.createDirectories(dir.resolve("ext"));
        buildExtensionJar(ext.resolve("token-auth.jar"));
        Path config = Files.writeString(dir.resolve("dispatcher.yaml"), """
                kafka:
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: OAUTHBEARER
                    sasl.login.callback.handler.class: %s
                subscriptions:
                  - {id: crm-sync, url: "https://example.com/hooks", secret: s3cr3t-of-24-bytes-or-more, events: ["*"]}
                """.formatted(HANDLER));
        String jar = DispatcherProcess.jar().toString();

        // when: run as the image runs it, then without the extension directory
        Result withExt = run(
                "-cp",
                jar + ":" + ext + "/*",
                "io.webhookdispatcher.app.Main",
                "validate-config",
                "--config",
                config.toString());
        Result without = run("-jar", jar, "validate-config", "--config", config.toString());

        // then
        assertThat(withExt.exit()).as(withExt.output()).isZero();
        assertThat(without.exit()).as(without.output()).isEqualTo(1);
        assertThat(without.output())
                .contains("kafka.properties.sasl.login.callback.handler.class: Invalid value "
                        + HANDLER + " for configuration sasl.login.callback.handler.class: Class " + HANDLER
                        + " could not be found.")
                .contains("/opt/webhook-dispatcher/ext");
    }

    private record Result(int exit, String output) {}

    private static Result run(String... args) throws IOException, InterruptedException {
        var command = new ArrayList<String>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }

    /** Compiles the handler against the dispatcher's jar (it contains the Kafka clients) and packs it. */
    private void buildExtensionJar(Path jar) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/com/example/auth")).resolve("TokenCallbackHandler.java");
        Files.writeString(src, SOURCE);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        int rc = ToolProvider.getSystemJavaCompiler()
                .run(
                        null,
                        null,
                        null,
                        "-d",
                        classes.toString(),
                        "-cp",
                        DispatcherProcess.jar().toString(),
                        src.toString());
        assertThat(rc).as("javac").isZero();
        String entry = HANDLER.replace('.', '/') + ".class";
        try (OutputStream out = Files.newOutputStream(jar);
                var zip = new JarOutputStream(out)) {
            zip.putNextEntry(new JarEntry(entry));
            zip.write(Files.readAllBytes(classes.resolve(entry)));
            zip.closeEntry();
        }
    }
}
