package io.webhookdispatcher.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaging contract: the Helm chart, the Dockerfile and the dispatcher agree on the config file,
 * its path, the management port, the probes and the shutdown deadline. The chart is rendered by the
 * real helm ({@code .ci/helm-check.sh} installs it at {@code target/tools/helm}) with each values file
 * in {@code ci/}, and the rendered config file is checked by the real jar's {@code validate-config}.
 */
class HelmChartIT {
    private static final Path ROOT = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path CHART = ROOT.resolve("helm/webhook-dispatcher");
    private static final Path CONFIG_DIR = Path.of("/etc/webhook-dispatcher");
    private static final String TLS_DIR = "/etc/webhook-dispatcher-tls";
    private static final List<String> RUN_COMMAND = List.of(
            "run", "--config", CONFIG_DIR.resolve(RenderedChart.CONFIG_KEY).toString());
    private static final Duration HELM_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration JVM_TIMEOUT = Duration.ofSeconds(90);
    private static final YAMLMapper YAML = new YAMLMapper();

    /** Every metric the dispatcher exports that dashboards and alerts may use. */
    private static final Set<String> EXPORTED_METRICS = Set.of(
            "webhook_deliveries_total",
            "webhook_ingest_requests_total",
            "webhook_delivery_attempts_total",
            "webhook_delivery_duration_seconds_bucket",
            "webhook_delivery_lag_seconds_bucket",
            "webhook_inflight_deliveries",
            "webhook_events_consumed_total",
            "webhook_events_invalid_total",
            "webhook_events_unmatched_total",
            "webhook_subscriptions",
            "webhook_config_reloads_total",
            "webhook_circuit_state",
            "webhook_deferrals_total",
            "webhook_queued_deliveries",
            "webhook_buffered_bytes",
            "webhook_buffered_bytes_limit",
            "webhook_consumer_paused",
            "webhook_producer_write_failures_total",
            "webhook_attempt_log_written_total",
            "webhook_attempt_log_failures_total",
            "webhook_subscription_disabled",
            "kafka_consumer_fetch_manager_records_lag_max",
            "jvm_memory_used_bytes");

    private static final Path MINIMAL = CHART.resolve("ci/minimal-values.yaml");
    private static final String COMPONENT = "app.kubernetes.io/component";
    private static final Pattern METRIC_NAME = Pattern.compile("\\b(?:webhook|kafka|jvm)_[a-z0-9_]+\\b");

    static Stream<Named<Path>> validValues() throws IOException {
        return valuesFiles("ci");
    }

    static Stream<Named<Path>> invalidValues() throws IOException {
        return valuesFiles("ci-invalid");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validValues")
    void shouldRenderAConfigTheDispatcherAccepts(Path values, @TempDir Path tmp) throws Exception {
        // given
        Path jar = dispatcherJar();
        RenderedChart chart = render(values);
        Path config = Files.writeString(tmp.resolve(RenderedChart.CONFIG_KEY), withStandInTlsFiles(chart, tmp));
        Map<String, String> environment = chart.containerEnvironment();

        // when
        Commands.Result result = Commands.run(
                List.of(javaExecutable(), "-jar", jar.toString(), "validate-config", "--config", config.toString()),
                environment,
                JVM_TIMEOUT);

        // then
        assertThat(result.exitCode())
                .as(
                        "validate-config on the config rendered from %s, with env %s:%n%s%n--- config:%n%s",
                        values.getFileName(), environment.keySet(), result.describe(), chart.configText())
                .isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validValues")
    void shouldPassStrictLint(Path values) throws Exception {
        // when
        Commands.Result lint = helm("lint", "--strict", CHART.toString(), "-f", values.toString());

        // then: lint renders in "lint mode", where a template's fail() only prints an INFO line and exits 0
        assertThat(lint.succeeded()).as(lint.describe()).isTrue();
        assertThat(lint.stdout() + lint.stderr())
                .as(lint.describe())
                .doesNotContain("[INFO] Fail:")
                .doesNotContain("[INFO] Missing required value");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validValues")
    void shouldLabelEveryObjectWithItsComponent(Path values) throws Exception {
        // given
        RenderedChart chart = render(values);

        // then
        assertThat(chart.objects())
                .allSatisfy(o -> assertThat(o.path("metadata")
                                .path("labels")
                                .path(COMPONENT)
                                .asText())
                        .as(
                                "%s %s",
                                o.path("kind").asText(),
                                o.path("metadata").path("name").asText())
                        .isIn("dispatcher", "replay"));
        assertThat(chart.only("Deployment")
                        .path("spec")
                        .path("template")
                        .path("metadata")
                        .path("labels")
                        .path(COMPONENT)
                        .asText())
                .isEqualTo("dispatcher");
    }

    @Test
    void shouldKeepOneOfMinAvailableAndMaxUnavailableWhicheverIsSet() throws Exception {
        // when
        JsonNode byDefault = render(MINIMAL).only("PodDisruptionBudget").path("spec");
        JsonNode minAvailable = render(MINIMAL, "--set", "pdb.minAvailable=1")
                .only("PodDisruptionBudget")
                .path("spec");
        JsonNode maxUnavailable = render(MINIMAL, "--set", "pdb.maxUnavailable=50%")
                .only("PodDisruptionBudget")
                .path("spec");

        // then: Bitnami's pattern; setting one never needs the other nulled
        assertThat(byDefault.path("maxUnavailable").asInt()).isEqualTo(1);
        assertThat(byDefault.has("minAvailable")).isFalse();
        assertThat(minAvailable.path("minAvailable").asInt()).isEqualTo(1);
        assertThat(minAvailable.has("maxUnavailable")).isFalse();
        assertThat(maxUnavailable.path("maxUnavailable").asText()).isEqualTo("50%");
        assertThat(maxUnavailable.has("minAvailable")).isFalse();
    }

    @Test
    void shouldPrefixTheImageWithTheGlobalRegistry() throws Exception {
        // given
        String tag = YAML.readTree(CHART.resolve("Chart.yaml").toFile())
                .path("appVersion")
                .asText();

        // when
        String plain = render(MINIMAL).container().path("image").asText();
        String mirrored = render(MINIMAL, "--set", "global.imageRegistry=mirror.example.com:5000/team")
                .container()
                .path("image")
                .asText();

        // then
        assertThat(plain).isEqualTo("webhook-dispatcher:" + tag);
        assertThat(mirrored).isEqualTo("mirror.example.com:5000/team/webhook-dispatcher:" + tag);
    }

    @Test
    void shouldRunReplayInItsOwnPodWithTheDispatchersImageConfigAndSecrets() throws Exception {
        // given
        RenderedChart chart = render(CHART.resolve("ci/full-values.yaml"));
        JsonNode job = chart.only("Job");
        JsonNode pod = job.path("spec").path("template");
        JsonNode replay = pod.path("spec").path("containers").get(0);
        JsonNode dispatcher = chart.container();

        // then: the same image, env (signing secrets, Kafka credentials), mounts and security as the dispatcher
        assertThat(replay.path("image")).isEqualTo(dispatcher.path("image"));
        assertThat(replay.path("env")).isEqualTo(dispatcher.path("env"));
        assertThat(replay.path("volumeMounts")).isEqualTo(dispatcher.path("volumeMounts"));
        assertThat(replay.path("securityContext")).isEqualTo(dispatcher.path("securityContext"));
        assertThat(pod.path("spec").path("volumes")).isEqualTo(chart.podSpec().path("volumes"));
        assertThat(textList(replay.path("args")))
                .containsExactly(
                        "replay",
                        "--config",
                        RUN_COMMAND.get(2),
                        "--subscription",
                        "crm-sync",
                        "--since",
                        "2h",
                        "--dry-run");
        // and: run once, never retried (a second run re-publishes everything it selects)
        assertThat(pod.path("spec").path("restartPolicy").asText()).isEqualTo("Never");
        assertThat(job.path("spec").path("backoffLimit").asInt()).isZero();
        // and: no selector of the dispatcher's (Service, PodDisruptionBudget, Deployment) picks its pod up
        JsonNode podLabels = pod.path("metadata").path("labels");
        assertThat(podLabels.path(COMPONENT).asText()).isEqualTo("replay");
        for (JsonNode selector : List.of(
                chart.only("Service").path("spec").path("selector"),
                chart.only("PodDisruptionBudget").path("spec").path("selector").path("matchLabels"),
                chart.only("Deployment").path("spec").path("selector").path("matchLabels"))) {
            assertThat(selects(selector, podLabels))
                    .as("%s selects %s", selector, podLabels)
                    .isFalse();
            assertThat(selects(
                            selector,
                            chart.only("Deployment")
                                    .path("spec")
                                    .path("template")
                                    .path("metadata")
                                    .path("labels")))
                    .isTrue();
        }
    }

    @Test
    void shouldLetOnlyPrometheusReachTheManagementPortAndOnlyTheIngressReachTheIngestPort() throws Exception {
        // given: ci/full-values.yaml turns the policy on; the minimal values leave it off
        RenderedChart chart = render(CHART.resolve("ci/full-values.yaml"));
        assertThat(render(CHART.resolve("ci/minimal-values.yaml")).ofKind("NetworkPolicy"))
                .isEmpty();

        // then: it selects the dispatcher's pods, and allows in only the management port, from Prometheus
        JsonNode policy = chart.only("NetworkPolicy").path("spec");
        JsonNode podLabels = chart.only("Deployment")
                .path("spec")
                .path("template")
                .path("metadata")
                .path("labels");
        assertThat(selects(policy.path("podSelector").path("matchLabels"), podLabels))
                .isTrue();
        assertThat(policy.path("ingress")).hasSize(2);
        JsonNode ingress = policy.path("ingress").get(0);
        assertThat(ingress.path("ports").findValuesAsText("port")).containsExactly("http-mgmt");
        assertThat(ingress.path("from")
                        .get(0)
                        .path("podSelector")
                        .path("matchLabels")
                        .path("app.kubernetes.io/name")
                        .asText())
                .isEqualTo("prometheus");
        // and: the ingest port (ci/full-values.yaml sets ingest.port) only from the ingress controller's namespace
        JsonNode ingest = policy.path("ingress").get(1);
        assertThat(ingest.path("ports").findValuesAsText("port")).containsExactly("http-ingest");
        assertThat(ingest.path("from").toString()).contains("ingress-nginx");
        // and: egress to DNS, the brokers and public destinations only
        assertThat(policy.path("policyTypes").findValuesAsText("")).isEmpty();
        assertThat(policy.path("policyTypes").toString()).contains("Ingress", "Egress");
        assertThat(policy.path("egress").toString()).contains("\"port\":53", "\"port\":9093", "169.254.0.0/16");
        assertThat(chart.config().path("management").path("address").asText()).isEqualTo("0.0.0.0");
    }

    @Test
    void shouldGiveKafkaTheSaslPasswordIntactWhenItHasAQuoteAndABackslash() throws Exception {
        // given: ci/keda-values.yaml, whose SASL password has a '"' and a '\'
        RenderedChart chart = render(CHART.resolve("ci/keda-values.yaml"));
        JsonNode secret = chart.only("Secret").path("data");
        String password = decoded(secret.path("kafka-sasl-password"));
        assertThat(password).contains("\"", "\\");
        var environment = new java.util.HashMap<>(chart.containerEnvironment());
        environment.put("KAFKA_SASL_USERNAME", decoded(secret.path("kafka-sasl-username")));
        environment.put("KAFKA_SASL_PASSWORD", password);

        // when: the dispatcher loads the rendered config with the pod's environment
        var config = new io.webhookdispatcher.config.ConfigLoader(environment::get)
                .parse(chart.configText(), "dispatcher.yaml");

        // then: Kafka's own JAAS parser reads back exactly the password in the Secret
        String jaas = config.kafka().properties().get("sasl.jaas.config");
        var entries = org.apache.kafka.common.security.JaasContext.loadClientContext(
                        Map.of("sasl.jaas.config", new org.apache.kafka.common.config.types.Password(jaas)))
                .configurationEntries();
        assertThat(entries).hasSize(1);
        Map<String, Object> options = Map.copyOf(entries.get(0).getOptions());
        assertThat(options)
                .containsEntry("password", password)
                .containsEntry("username", environment.get("KAFKA_SASL_USERNAME"));
    }

    private static String decoded(JsonNode base64) {
        return new String(
                java.util.Base64.getDecoder().decode(base64.asText()), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void shouldScaleOnTheEventsTopicsCommittedLagWithKedaInsteadOfTheHpa() throws Exception {
        // given
        RenderedChart chart = render(CHART.resolve("ci/keda-values.yaml"));
        JsonNode config = chart.config();
        JsonNode scaledObject = chart.only("ScaledObject").path("spec");
        JsonNode trigger = scaledObject.path("triggers").get(0);

        // then: the events topic of the dispatcher's own consumer group, never more replicas than partitions
        assertThat(trigger.path("type").asText()).isEqualTo("kafka");
        assertThat(trigger.path("metadata").path("topic").asText())
                .isEqualTo(config.path("topics").path("events").asText());
        assertThat(trigger.path("metadata").path("consumerGroup").asText())
                .isEqualTo(config.path("kafka").path("groupId").asText());
        assertThat(trigger.path("metadata").path("bootstrapServers").asText())
                .isEqualTo(chart.containerEnvironment().get("KAFKA_BOOTSTRAP_SERVERS"));
        assertThat(trigger.path("metadata").path("allowIdleConsumers").asText()).isEqualTo("false");
        assertThat(trigger.path("metadata").path("lagThreshold").asText()).isEqualTo("500");
        assertThat(scaledObject.path("maxReplicaCount").asInt())
                .isEqualTo(config.path("topics").path("partitions").asInt());
        assertThat(scaledObject.path("minReplicaCount").asInt()).isEqualTo(2);
        assertThat(scaledObject.path("scaleTargetRef").path("name").asText())
                .isEqualTo(
                        chart.only("Deployment").path("metadata").path("name").asText());
        // and: the SASL credentials come from the dispatcher's Secret
        assertThat(trigger.path("metadata").path("sasl").asText()).isEqualTo("scram_sha256");
        assertThat(trigger.path("metadata").path("tls").asText()).isEqualTo("disable");
        JsonNode authentication = chart.only("TriggerAuthentication");
        assertThat(trigger.path("authenticationRef").path("name").asText())
                .isEqualTo(authentication.path("metadata").path("name").asText());
        assertThat(authentication.path("spec").path("secretTargetRef").findValuesAsText("name"))
                .containsOnly(chart.only("Secret").path("metadata").path("name").asText());
        // and: KEDA owns the replica count; there is no HPA of the chart's
        assertThat(chart.ofKind("HorizontalPodAutoscaler")).isEmpty();
        assertThat(chart.only("Deployment").path("spec").has("replicas")).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validValues")
    void shouldProbeTheHealthEndpointsOnTheManagementPort(Path values) throws Exception {
        // given
        RenderedChart chart = render(values);
        int managementPort = chart.config().path("management").path("port").asInt(8081);
        JsonNode container = chart.container();

        // then
        assertProbe(chart, container.path("livenessProbe"), "/health/live", managementPort);
        assertProbe(chart, container.path("readinessProbe"), "/health/ready", managementPort);
        if (container.has("startupProbe")) {
            assertProbe(chart, container.path("startupProbe"), "/health/live", managementPort);
        }
        assertThat(chart.containerPort("http-mgmt")).isEqualTo(managementPort);
        JsonNode servicePort = chart.only("Service").path("spec").path("ports").get(0);
        assertThat(servicePort.path("port").asInt()).isEqualTo(managementPort);
        assertThat(servicePort.path("targetPort").asText()).isEqualTo("http-mgmt");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validValues")
    void shouldMountTheConfigDirectoryWhereTheImageReadsTheConfig(Path values) throws Exception {
        // given
        RenderedChart chart = render(values);
        Dockerfile dockerfile = Dockerfile.read(ROOT.resolve("Dockerfile"));

        // when
        JsonNode mount = volumeMount(chart.container(), "config");
        JsonNode volume = chart.volume("config").orElseThrow();

        // then the ConfigMap is mounted as a directory: subPath mounts never see ConfigMap updates
        assertThat(mount.path("mountPath").asText()).isEqualTo(CONFIG_DIR.toString());
        assertThat(mount.has("subPath")).as("config mounted with subPath").isFalse();
        assertThat(volume.path("configMap").path("name").asText())
                .isEqualTo(chart.configMap().path("metadata").path("name").asText());
        assertThat(textList(chart.container().path("args"))).isEqualTo(RUN_COMMAND);
        assertThat(dockerfile.effectiveCommand()).endsWith(RUN_COMMAND.toArray(String[]::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validValues")
    void shouldMountEachTlsSecretAsADirectoryWhereTheConfigReadsIt(Path values) throws Exception {
        // given
        RenderedChart chart = render(values);

        // when
        List<String> files = tlsFiles(chart.config());

        // then every PEM file is in a read-only Secret volume, mounted as a directory (renewals reach the pod)
        for (String file : files) {
            JsonNode mount = null;
            for (JsonNode m : chart.container().path("volumeMounts")) {
                if (file.startsWith(m.path("mountPath").asText() + "/")) {
                    mount = m;
                }
            }
            assertThat(mount).as("a volume mount holding " + file).isNotNull();
            assertThat(mount.has("subPath")).as("mounted with subPath: " + file).isFalse();
            assertThat(mount.path("readOnly").asBoolean()).isTrue();
            JsonNode secret =
                    chart.volume(mount.path("name").asText()).orElseThrow().path("secret");
            assertThat(file)
                    .startsWith(TLS_DIR + "/" + secret.path("secretName").asText() + "/");
        }
        if (values.getFileName().toString().equals("full-values.yaml")) {
            assertThat(files).contains(TLS_DIR + "/audit-mtls/tls.key", TLS_DIR + "/partner-ca/ca.crt");
        }
    }

    /** The TLS files that {@code delivery.tls} and the subscriptions' {@code tls} name. */
    private static List<String> tlsFiles(JsonNode config) {
        var tlsBlocks = new ArrayList<JsonNode>();
        tlsBlocks.add(config.path("delivery").path("tls"));
        config.path("subscriptions").forEach(s -> tlsBlocks.add(s.path("tls")));
        var files = new ArrayList<String>();
        for (JsonNode tls : tlsBlocks) {
            for (String key : List.of("caFile", "certFile", "keyFile")) {
                if (tls.hasNonNull(key)) {
                    files.add(tls.path(key).asText());
                }
            }
        }
        return files;
    }

    /**
     * The rendered config with its TLS files moved under {@code tmp} and filled with the test fixtures, as the
     * mounted Secrets would be: the dispatcher reads and checks them at load ({@code *.key} a client key, a
     * {@code ca} file the test CA, others the matching client certificate).
     */
    private static String withStandInTlsFiles(RenderedChart chart, Path tmp) throws Exception {
        Path fixtures = ROOT.resolve("src/test/resources/tls");
        Path mounted = tmp.resolve("tls");
        for (String file : tlsFiles(chart.config())) {
            Path standIn = mounted.resolve(file.substring(TLS_DIR.length() + 1));
            String name = standIn.getFileName().toString();
            String fixture = name.endsWith(".key") ? "client.key" : name.startsWith("ca") ? "ca.pem" : "client.pem";
            Files.createDirectories(standIn.getParent());
            Files.copy(fixtures.resolve(fixture), standIn, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return chart.configText().replace(TLS_DIR + "/", mounted + "/");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validValues")
    void shouldGiveTheDispatcherLongerToStopThanItsShutdownTimeout(Path values) throws Exception {
        // given
        RenderedChart chart = render(values);
        Duration drain =
                parseDuration(chart.config().path("shutdown").path("timeout").asText("20s"));

        // when
        long grace = chart.podSpec().path("terminationGracePeriodSeconds").asLong();

        // then
        assertThat(Duration.ofSeconds(grace)).isGreaterThan(drain);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validValues")
    void shouldKeepSecretsOutOfTheConfigMap(Path values) throws Exception {
        // given
        RenderedChart chart = render(values);
        Map<String, String> environment = chart.containerEnvironment();

        // then every signing secret is an env var reference, and the env var comes from a Secret
        for (JsonNode subscription : chart.config().path("subscriptions")) {
            String secret = subscription.path("secret").asText();
            assertThat(secret).matches("\\$\\{[A-Z0-9_]+}");
            String variable = secret.substring(2, secret.length() - 1);
            assertThat(environment.get(variable)).as(variable).startsWith("stand-in-secret-for-");
        }
        for (String secretValue : chart.createdSecretValues()) {
            assertThat(chart.configText()).doesNotContain(secretValue);
        }
    }

    @Test
    void shouldMountASecretAsTheSecretFileOfASubscriptionThatAsksForIt() throws Exception {
        // given: the subscription's Secret mounted as a file, so that a rotation needs no restart
        RenderedChart chart = render(
                MINIMAL,
                "--set",
                "subscriptions[0].secretRef.mount=true",
                "--set",
                "subscriptions[0].signature=standard-webhooks");
        JsonNode subscription = chart.config().path("subscriptions").get(0);

        // then: the config names a file in a directory mount (never a subPath, which updates never reach)
        assertThat(subscription.has("secret")).isFalse();
        assertThat(subscription.path("signature").asText()).isEqualTo("standard-webhooks");
        String file = subscription.path("secretFile").asText();
        JsonNode mount = null;
        for (JsonNode m : chart.container().path("volumeMounts")) {
            if (file.startsWith(m.path("mountPath").asText() + "/")) {
                mount = m;
            }
        }
        assertThat(mount).as("a volume mount holding " + file).isNotNull();
        assertThat(mount.has("subPath")).isFalse();
        JsonNode volume = null;
        for (JsonNode v : chart.podSpec().path("volumes")) {
            if (v.path("name").asText().equals(mount.path("name").asText())) {
                volume = v;
            }
        }
        assertThat(volume.path("secret").path("secretName").asText())
                .isEqualTo(chart.only("Secret").path("metadata").path("name").asText());
        assertThat(volume.path("secret").path("items").get(0).path("path").asText())
                .isEqualTo(file.substring(file.lastIndexOf('/') + 1));
        // and: no env var for it any more
        assertThat(chart.containerEnvironment()).doesNotContainKey("WEBHOOK_SECRET_CRM_SYNC");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidValues")
    void shouldRejectInvalidValues(Path values) throws Exception {
        // given the error each file must fail with, from its "# expect-error: " line
        String expected = Files.readAllLines(values).stream()
                .filter(line -> line.startsWith("# expect-error: "))
                .map(line -> line.substring("# expect-error: ".length()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(values + " has no '# expect-error: ' line"));

        // when
        Commands.Result result = helm("template", "test", CHART.toString(), "-f", values.toString());

        // then
        assertThat(result.succeeded())
                .as("%s rendered, but should be rejected", values.getFileName())
                .isFalse();
        assertThat(result.stderr()).contains(expected);
    }

    @Test
    void shouldRunTheJarTheBuildProduces() throws Exception {
        // given
        Dockerfile dockerfile = Dockerfile.read(ROOT.resolve("Dockerfile"));
        String pom = Files.readString(ROOT.resolve("pom.xml"));

        // when
        List<List<String>> copies = dockerfile.copiesFromOtherStages();

        // then the image copies target/<finalName>.jar and runs that copy's main class, with the extension
        // directory's jars after it on the class path
        assertThat(pom)
                .contains("<finalName>webhook-dispatcher</finalName>")
                .contains("<mainClass>io.webhookdispatcher.app.Main</mainClass>");
        assertThat(copies).hasSize(1);
        List<String> copy = copies.get(0);
        assertThat(copy.get(0)).endsWith("/target/webhook-dispatcher.jar");
        assertThat(dockerfile.effectiveCommand())
                .startsWith(
                        "java",
                        "-cp",
                        copy.get(copy.size() - 1) + ":/opt/webhook-dispatcher/ext/*",
                        "io.webhookdispatcher.app.Main");
    }

    @Test
    void shouldExposeTheChartsDefaultManagementPort() throws Exception {
        // given
        Dockerfile dockerfile = Dockerfile.read(ROOT.resolve("Dockerfile"));
        JsonNode defaults = YAML.readTree(CHART.resolve("values.yaml").toFile());

        // then
        assertThat(dockerfile.last("EXPOSE"))
                .contains(defaults.path("management").path("port").asText());
    }

    @Test
    void shouldRunAsTheImagesNonRootUserWithOnlyTmpWritable() throws Exception {
        // given
        Dockerfile dockerfile = Dockerfile.read(ROOT.resolve("Dockerfile"));
        RenderedChart chart = render(CHART.resolve("ci/minimal-values.yaml"));
        JsonNode securityContext = chart.container().path("securityContext");

        // then
        String imageUser = dockerfile.last("USER").orElseThrow().split(":")[0];
        assertThat(securityContext.path("runAsUser").asText()).isEqualTo(imageUser);
        assertThat(chart.podSpec().path("securityContext").path("runAsUser").asText())
                .isEqualTo(imageUser);
        assertThat(securityContext.path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(securityContext.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(securityContext.path("allowPrivilegeEscalation").asBoolean(true))
                .isFalse();
        assertThat(textList(securityContext.path("capabilities").path("drop"))).containsExactly("ALL");
        assertThat(volumeMount(chart.container(), "tmp").path("mountPath").asText())
                .isEqualTo("/tmp");
        assertThat(chart.volume("tmp").orElseThrow().has("emptyDir")).isTrue();
        assertThat(dockerfile.last("ENV").orElseThrow()).contains("-Djava.io.tmpdir=/tmp");
    }

    @Test
    void shouldQueryOnlyMetricsTheDispatcherExports() throws Exception {
        // given every PromQL expression of the dashboard and of the rendered alerts
        var expressions = new ArrayList<String>();
        collectExpressions(
                new ObjectMapper()
                        .readTree(CHART.resolve("dashboards/webhook-dispatcher.json")
                                .toFile()),
                expressions);
        RenderedChart chart = render(CHART.resolve("ci/full-values.yaml"));
        chart.ofKind("PrometheusRule").forEach(rule -> collectExpressions(rule, expressions));

        // when
        Set<String> used = new TreeSet<>();
        for (String expression : expressions) {
            Matcher m = METRIC_NAME.matcher(expression);
            while (m.find()) {
                used.add(m.group());
            }
        }

        // then
        assertThat(expressions).isNotEmpty();
        assertThat(EXPORTED_METRICS).containsAll(used);
        assertThat(chart.ofKind("ConfigMap"))
                .anySatisfy(c -> assertThat(c.path("data").has("webhook-dispatcher.json"))
                        .isTrue());
    }

    @Test
    void shouldDocumentEveryValueInTheChartReadme() throws Exception {
        // given
        JsonNode defaults = YAML.readTree(CHART.resolve("values.yaml").toFile());
        String readme = Files.readString(CHART.resolve("README.md"));

        // when
        var undocumented = new ArrayList<String>();
        collectUndocumented(defaults, "", readme, undocumented);

        // then
        assertThat(undocumented).as("values without a row in the chart README").isEmpty();
    }

    private static Stream<Named<Path>> valuesFiles(String folder) throws IOException {
        try (Stream<Path> files = Files.list(CHART.resolve(folder))) {
            List<Path> yaml =
                    files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertThat(yaml).as("values files in " + folder).isNotEmpty();
            return yaml.stream().map(f -> Named.of(folder + "/" + f.getFileName(), f));
        }
    }

    /** @param more further helm arguments, such as {@code "--set", "pdb.minAvailable=1"} */
    private static RenderedChart render(Path values, String... more) throws Exception {
        var arguments = new ArrayList<>(
                List.of("template", "test", CHART.toString(), "--namespace", "test", "-f", values.toString()));
        arguments.addAll(List.of(more));
        Commands.Result result = helm(arguments.toArray(String[]::new));
        assertThat(result.succeeded()).as(result.describe()).isTrue();
        return RenderedChart.parse(result.stdout());
    }

    /** Whether a {@code matchLabels}-style selector selects a pod with these labels. */
    private static boolean selects(JsonNode selector, JsonNode labels) {
        assertThat(selector.isEmpty()).as("empty selector").isFalse();
        for (Map.Entry<String, JsonNode> wanted : selector.properties()) {
            if (!labels.path(wanted.getKey()).asText().equals(wanted.getValue().asText())) {
                return false;
            }
        }
        return true;
    }

    /** Runs helm, skipping the test when there is none: the Dockerfile and README checks need no helm. */
    private static Commands.Result helm(String... arguments) throws Exception {
        String configured = System.getProperty("helm.bin");
        Path helm = configured != null ? Path.of(configured) : ROOT.resolve("target/tools/helm");
        assumeTrue(
                Files.isExecutable(helm),
                "no helm at " + helm + ": run .ci/helm-check.sh (or set -Dhelm.bin) to run the chart tests");
        var command = new ArrayList<String>();
        command.add(helm.toString());
        command.addAll(List.of(arguments));
        return Commands.run(command, HELM_TIMEOUT);
    }

    /** The jar failsafe names in {@code dispatcher.jar}; elsewhere target/, skipping when not built yet. */
    private static Path dispatcherJar() {
        String configured = System.getProperty("dispatcher.jar");
        if (configured != null) {
            Path jar = Path.of(configured);
            assertThat(jar).as("dispatcher.jar").isRegularFile();
            return jar;
        }
        Path jar = ROOT.resolve("target/webhook-dispatcher.jar");
        assumeTrue(Files.isRegularFile(jar), "no " + jar + ": run mvn package first");
        return jar;
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void assertProbe(RenderedChart chart, JsonNode probe, String path, int managementPort) {
        assertThat(probe.path("httpGet").path("path").asText()).isEqualTo(path);
        JsonNode port = probe.path("httpGet").path("port");
        int number = port.isInt() ? port.asInt() : chart.containerPort(port.asText());
        assertThat(number).as("port of the %s probe", path).isEqualTo(managementPort);
    }

    private static JsonNode volumeMount(JsonNode container, String volume) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("name").asText().equals(volume)) {
                return mount;
            }
        }
        throw new AssertionError("no volume mount for " + volume);
    }

    private static List<String> textList(JsonNode array) {
        var texts = new ArrayList<String>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    private static void collectExpressions(JsonNode node, List<String> into) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (field.getKey().equals("expr") && field.getValue().isTextual()) {
                    into.add(field.getValue().asText());
                } else {
                    collectExpressions(field.getValue(), into);
                }
            }
        } else if (node.isArray()) {
            node.forEach(child -> collectExpressions(child, into));
        }
    }

    /** A key is documented by a row naming it; a map without its own row needs rows for its keys. */
    private static void collectUndocumented(JsonNode node, String prefix, String readme, List<String> into) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            if (readme.contains("| `" + key + "` |")) {
                continue;
            }
            if (field.getValue().isObject() && !field.getValue().isEmpty()) {
                collectUndocumented(field.getValue(), key, readme, into);
            } else {
                into.add(key);
            }
        }
    }

    /** The dispatcher's own duration syntax, so the chart is checked against the real parser. */
    private static Duration parseDuration(String text) {
        return io.webhookdispatcher.config.Durations.parse(text);
    }
}
