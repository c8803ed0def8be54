# syntax=docker/dockerfile:1
# The webhook dispatcher image: docker build -t webhook-dispatcher:0.1.0 .
# Not built in this repository's CI (no Docker engine there); HelmChartIT checks the paths, port
# and user below against the Helm chart.

# --- build: Maven on JDK 17, dependencies in their own layer so that source edits reuse it ---
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -DskipTests package

# --- runtime: the current LTS JRE runs the Java 17 bytecode ---
FROM eclipse-temurin:25-jre
LABEL org.opencontainers.image.title="webhook-dispatcher" \
      org.opencontainers.image.description="Delivers CRM change events from Kafka as signed webhooks" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.base.name="docker.io/library/eclipse-temurin:25-jre"
COPY --from=build /build/target/webhook-dispatcher.jar /opt/webhook-dispatcher/webhook-dispatcher.jar
# The extension directory: every jar in it is on the class path, after the dispatcher's own (so Kafka and
# the dispatcher's classes win). For SASL mechanisms that need more than the Kafka clients, e.g. AWS MSK
# IAM (software.amazon.msk:aws-msk-iam-auth, its "-all" jar) or an OAuth login callback handler. Add jars
# in a derived image (COPY my-auth.jar /opt/webhook-dispatcher/ext/) or mount a volume here (the chart's
# `extensions` value). They must not bundle kafka-clients.
RUN mkdir -p /opt/webhook-dispatcher/ext
# Memory: G1 with bounds on what lives beside the heap, measured in the chart README ("Memory"); the heap
# is 60 % of the container limit here (384 MiB of 640 MiB), the chart sets -Xmx from its limit instead. An
# OutOfMemoryError restarts the pod instead of leaving a half-working JVM; temp files go to /tmp, the
# only writable path (read-only root fs).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+UseG1GC -Xss512k -XX:MaxDirectMemorySize=64m -XX:ReservedCodeCacheSize=64m -XX:MaxMetaspaceSize=128m -Djdk.nio.maxCachedBufferSize=262144 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
# Management port: /metrics, /health/live, /health/ready.
EXPOSE 8081
# Numeric, so that Kubernetes can verify runAsNonRoot; no home directory or passwd entry is needed.
USER 10001:10001
# -cp rather than -jar, which would ignore the extension directory; the launcher expands ext/* itself.
ENTRYPOINT ["java", "-cp", "/opt/webhook-dispatcher/webhook-dispatcher.jar:/opt/webhook-dispatcher/ext/*", "io.webhookdispatcher.app.Main"]
# The Helm chart mounts its ConfigMap on /etc/webhook-dispatcher.
CMD ["run", "--config", "/etc/webhook-dispatcher/dispatcher.yaml"]
