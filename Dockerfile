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
# Heap follows the container's memory limit; an OutOfMemoryError restarts the pod instead of
# leaving a half-working JVM; temp files go to /tmp, the only writable path (read-only root fs).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
# Management port: /metrics, /health/live, /health/ready.
EXPOSE 8081
# Numeric, so that Kubernetes can verify runAsNonRoot; no home directory or passwd entry is needed.
USER 10001:10001
ENTRYPOINT ["java", "-jar", "/opt/webhook-dispatcher/webhook-dispatcher.jar"]
# The Helm chart mounts its ConfigMap on /etc/webhook-dispatcher.
CMD ["run", "--config", "/etc/webhook-dispatcher/dispatcher.yaml"]
