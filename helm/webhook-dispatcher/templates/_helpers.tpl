{{/* Names and labels */}}

{{- define "webhook-dispatcher.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "webhook-dispatcher.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The dispatcher's objects: the Deployment and its pods, Service, ConfigMap, PDB, autoscaler, monitoring. */}}
{{- define "webhook-dispatcher.labels" -}}
{{ include "webhook-dispatcher.commonLabels" . }}
{{ include "webhook-dispatcher.selectorLabels" . }}
app.kubernetes.io/component: dispatcher
{{- end }}

{{- define "webhook-dispatcher.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The replay Job's pods. They leave out app.kubernetes.io/name, so that no selector of the dispatcher's
(Deployment, Service, PodDisruptionBudget, topology spread: all name + instance) ever picks them up.
*/}}
{{- define "webhook-dispatcher.replayPodLabels" -}}
{{ include "webhook-dispatcher.commonLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: {{ include "webhook-dispatcher.name" . }}
app.kubernetes.io/component: replay
{{- end }}

{{- define "webhook-dispatcher.selectorLabels" -}}
app.kubernetes.io/name: {{ include "webhook-dispatcher.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "webhook-dispatcher.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "webhook-dispatcher.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* [global.imageRegistry/]image.repository:tag[@digest] */}}
{{- define "webhook-dispatcher.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- $registry := (.Values.global | default dict).imageRegistry }}
{{- $repository := ternary (printf "%s/%s" $registry .Values.image.repository) .Values.image.repository (not (empty $registry)) }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" $repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}
{{- end }}

{{/* Whether a value is given: null and "" are not; 0 is. */}}
{{- define "webhook-dispatcher.isSet" -}}
{{- if not (or (kindIs "invalid" .) (and (kindIs "string" .) (eq . ""))) }}true{{ end }}
{{- end }}

{{/* Whether an autoscaler (the HPA or KEDA's) owns the replica count. */}}
{{- define "webhook-dispatcher.autoscaled" -}}
{{- if or .Values.autoscaling.enabled .Values.keda.enabled }}true{{ end }}
{{- end }}

{{/* The most replicas the chart's settings allow. */}}
{{- define "webhook-dispatcher.maxReplicas" -}}
{{- if .Values.keda.enabled }}{{ include "webhook-dispatcher.keda.maxReplicaCount" . }}
{{- else if .Values.autoscaling.enabled }}{{ .Values.autoscaling.maxReplicas | int64 }}
{{- else }}{{ .Values.replicaCount | int64 }}
{{- end }}
{{- end }}

{{- define "webhook-dispatcher.keda.maxReplicaCount" -}}
{{- if include "webhook-dispatcher.isSet" .Values.keda.maxReplicaCount }}{{ .Values.keda.maxReplicaCount | int64 }}
{{- else }}{{ .Values.topics.partitions | int64 }}
{{- end }}
{{- end }}

{{/* Where the image's default command reads its config: the ConfigMap is mounted on the directory. */}}
{{- define "webhook-dispatcher.configDir" -}}/etc/webhook-dispatcher{{- end }}
{{- define "webhook-dispatcher.configFile" -}}dispatcher.yaml{{- end }}
{{/* Where subscriptions with secretRef.mount find their Secret's key: <dir>/<id>/<key>. */}}
{{- define "webhook-dispatcher.secretMountDir" -}}/var/run/webhook-dispatcher/signing{{- end }}
{{/* Where the admin API's tokens are mounted (secrets.admin): <dir>/<tokensKey>. */}}
{{- define "webhook-dispatcher.adminTokensDir" -}}/var/run/webhook-dispatcher/admin{{- end }}
{{/* Where TLS Secrets are mounted, one directory per Secret: beside the config, not inside its read-only mount. */}}
{{- define "webhook-dispatcher.tlsDir" -}}/etc/webhook-dispatcher-tls{{- end }}

{{/*
A tls block of the values ({secretName, ca, trust, cert, key}) as the dispatcher's config reads it: paths into the
Secret's mount. Called with (list $root $tls).
*/}}
{{- define "webhook-dispatcher.tlsConfig" -}}
{{- $root := index . 0 }}
{{- $tls := index . 1 }}
{{- $dir := printf "%s/%s" (include "webhook-dispatcher.tlsDir" $root) $tls.secretName }}
{{- $out := dict }}
{{- if $tls.ca }}
{{- $_ := set $out "caFile" (printf "%s/%s" $dir $tls.ca) }}
{{- $_ := set $out "trust" ($tls.trust | default "system+ca") }}
{{- end }}
{{- if $tls.cert }}
{{- $_ := set $out "certFile" (printf "%s/%s" $dir $tls.cert) }}
{{- $_ := set $out "keyFile" (printf "%s/%s" $dir $tls.key) }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* The distinct Secret names of delivery.tls and subscriptions[].tls, as a JSON list. */}}
{{- define "webhook-dispatcher.tlsSecrets" -}}
{{- $names := list }}
{{- with .Values.delivery.tls }}{{ if .secretName }}{{ $names = append $names .secretName }}{{ end }}{{ end }}
{{- range .Values.subscriptions }}
{{- if and .tls .tls.secretName }}{{ $names = append $names .tls.secretName }}{{ end }}
{{- end }}
{{- $names | uniq | toJson }}
{{- end }}

{{/* A volume name for a TLS Secret: Secret names may be longer than a volume name and hold dots. */}}
{{- define "webhook-dispatcher.tlsVolume" -}}tls-{{ sha256sum . | trunc 10 }}{{- end }}

{{/* Durations, as the dispatcher reads them (250ms, 5s, 2m, 1h, 1d), in whole seconds rounded up. */}}
{{- define "webhook-dispatcher.durationSeconds" -}}
{{- $n := regexFind "^[0-9]+" . | int64 }}
{{- $unit := regexFind "[a-z]+$" . }}
{{- if eq $unit "ms" }}{{ div (add $n 999) 1000 }}
{{- else if eq $unit "s" }}{{ $n }}
{{- else if eq $unit "m" }}{{ mul $n 60 }}
{{- else if eq $unit "h" }}{{ mul $n 3600 }}
{{- else if eq $unit "d" }}{{ mul $n 86400 }}
{{- else }}{{ fail (printf "%q is not a duration like 250ms, 5s, 2m, 1h" .) }}
{{- end }}
{{- end }}

{{/* Longer than shutdown.timeout, which bounds the dispatcher's whole stop (drain, commit, close), so it is never killed mid-stop. */}}
{{- define "webhook-dispatcher.terminationGracePeriodSeconds" -}}
{{- $drain := include "webhook-dispatcher.durationSeconds" .Values.shutdown.timeout | int64 }}
{{- $grace := .Values.terminationGracePeriodSeconds }}
{{- if kindIs "invalid" $grace }}
{{- add $drain 10 }}
{{- else if le (int64 $grace) $drain }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be longer than shutdown.timeout (%s): the pod would be killed while draining" (int64 $grace) .Values.shutdown.timeout) }}
{{- else }}
{{- int64 $grace }}
{{- end }}
{{- end }}

{{/* Secrets */}}

{{/* The env var holding a subscription's signing secret; argument: the subscription id. */}}
{{- define "webhook-dispatcher.secretEnvName" -}}
WEBHOOK_SECRET_{{ regexReplaceAll "[^A-Z0-9]" (upper .) "_" }}
{{- end }}

{{/* The env var holding an ingest source's secret; argument: the source id. */}}
{{- define "webhook-dispatcher.ingestSecretEnvName" -}}
INGEST_SECRET_{{ regexReplaceAll "[^A-Z0-9]" (upper .) "_" }}
{{- end }}

{{- define "webhook-dispatcher.createSecret" -}}
{{- if and .Values.secrets.create (not .Values.secrets.existingSecret) }}true{{ end }}
{{- end }}

{{- define "webhook-dispatcher.secretName" -}}
{{- default (include "webhook-dispatcher.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "webhook-dispatcher.kafkaSecretName" -}}
{{- default (include "webhook-dispatcher.secretName" .) .Values.secrets.kafka.existingSecret }}
{{- end }}

{{/* Whether the chart's own Secret holds the Kafka credentials. */}}
{{- define "webhook-dispatcher.kafkaCredentialsInChartSecret" -}}
{{- if and .Values.kafka.sasl.enabled (include "webhook-dispatcher.createSecret" .) (not .Values.secrets.kafka.existingSecret) }}true{{ end }}
{{- end }}

{{- define "webhook-dispatcher.adminSecretName" -}}
{{- default (include "webhook-dispatcher.secretName" .) .Values.secrets.admin.existingSecret }}
{{- end }}

{{/* Whether the chart mounts the admin API's tokens from secrets.admin: admin.port is set, admin.tokensFile is not. */}}
{{- define "webhook-dispatcher.adminTokensMounted" -}}
{{- if and .Values.admin.port (not .Values.admin.tokensFile) }}true{{ end }}
{{- end }}

{{/* Whether the chart's own Secret holds the admin API's tokens. */}}
{{- define "webhook-dispatcher.adminTokensInChartSecret" -}}
{{- if and (include "webhook-dispatcher.adminTokensMounted" .) (include "webhook-dispatcher.createSecret" .) (not .Values.secrets.admin.existingSecret) }}true{{ end }}
{{- end }}

{{/* admin.tokensFile as the config file names it: the value, else the mounted key of secrets.admin. */}}
{{- define "webhook-dispatcher.adminTokensFile" -}}
{{- if .Values.admin.tokensFile }}{{ .Values.admin.tokensFile }}
{{- else }}{{ printf "%s/%s" (include "webhook-dispatcher.adminTokensDir" .) .Values.secrets.admin.tokensKey }}
{{- end }}
{{- end }}

{{/* Kafka client properties: kafka.properties plus what kafka.sasl derives, as JSON. */}}
{{- define "webhook-dispatcher.kafkaProperties" -}}
{{- $props := dict }}
{{- range $k, $v := .Values.kafka.properties }}
{{- /* YAML numbers arrive as float64: write whole ones without an exponent (1048576, not 1.048576e+06). */}}
{{- if and (kindIs "float64" $v) (eq $v (float64 (int64 $v))) }}
{{- $v = int64 $v }}
{{- end }}
{{- $_ := set $props $k (toString $v) }}
{{- end }}
{{- with .Values.kafka.sasl }}
{{- if .enabled }}
{{- range $k := list "security.protocol" "sasl.mechanism" "sasl.jaas.config" }}
{{- if hasKey $props $k }}
{{- fail (printf "kafka.properties.%s conflicts with kafka.sasl.enabled: set one or the other" $k) }}
{{- end }}
{{- end }}
{{- $module := ternary "org.apache.kafka.common.security.plain.PlainLoginModule" "org.apache.kafka.common.security.scram.ScramLoginModule" (eq .mechanism "PLAIN") }}
{{- $_ := set $props "security.protocol" .securityProtocol }}
{{- $_ := set $props "sasl.mechanism" .mechanism }}
{{- $_ := set $props "sasl.jaas.config" (printf "%s required username=\"${KAFKA_SASL_USERNAME}\" password=\"${KAFKA_SASL_PASSWORD}\";" $module) }}
{{- end }}
{{- end }}
{{- toJson $props }}
{{- end }}

{{/*
The dispatcher's config file, in two parts. "static" is everything that needs a restart to change:
its checksum is a pod annotation. "subscriptions" is hot-reloaded by the running dispatchers.
*/}}
{{- define "webhook-dispatcher.config.static" -}}
{{- $props := include "webhook-dispatcher.kafkaProperties" . | fromJson -}}
kafka:
  bootstrapServers: {{ .Values.kafka.bootstrapServers | toJson }}
  groupId: {{ .Values.kafka.groupId | toJson }}
  startFrom: {{ .Values.kafka.startFrom | default "latest" | toJson }}
  {{- if $props }}
  properties:
    {{- range $k, $v := $props }}
    {{ $k | toJson }}: {{ $v | toJson }}
    {{- end }}
  {{- else }}
  properties: {}
  {{- end }}
topics:
  events: {{ .Values.topics.events | toJson }}
  retry: {{ .Values.topics.retry | toJson }}
  deadLetter: {{ .Values.topics.deadLetter | toJson }}
  {{- with .Values.topics.attempts }}
  attempts: {{ . | toJson }}
  attemptsRetention: {{ $.Values.topics.attemptsRetention | toJson }}
  {{- end }}
  {{- with .Values.topics.operations }}
  operations: {{ . | toJson }}
  {{- end }}
  {{- with .Values.topics.subscriptions }}
  subscriptions: {{ . | toJson }}
  {{- end }}
  create: {{ .Values.topics.create | toJson }}
  partitions: {{ .Values.topics.partitions | int64 }}
  replicationFactor: {{ .Values.topics.replicationFactor | int64 }}
delivery:
  requestTimeout: {{ .Values.delivery.requestTimeout | toJson }}
  connectTimeout: {{ .Values.delivery.connectTimeout | toJson }}
  maxInFlight: {{ .Values.delivery.maxInFlight | int64 }}
  maxInFlightPerSubscription: {{ .Values.delivery.maxInFlightPerSubscription | int64 }}
  maxEventBytes: {{ .Values.delivery.maxEventBytes | int64 }}
  maxQueuedPerSubscription: {{ .Values.delivery.maxQueuedPerSubscription | int64 }}
  maxQueuedBytesPerSubscription: {{ .Values.delivery.maxQueuedBytesPerSubscription | toJson }}
  maxQueueDelay: {{ .Values.delivery.maxQueueDelay | toJson }}
  maxBufferedBytes: {{ .Values.delivery.maxBufferedBytes | toJson }}
  autoDisableAfter: {{ .Values.delivery.autoDisableAfter | default "5d" | toJson }}
  allowedNetworks: {{ .Values.delivery.allowedNetworks | default list | toJson }}
  requireHttps: {{ .Values.delivery.requireHttps | default false | toJson }}
  circuitBreaker: {{ .Values.delivery.circuitBreaker | toJson }}
  {{- if .Values.delivery.tls }}
  tls: {{ include "webhook-dispatcher.tlsConfig" (list . .Values.delivery.tls) }}
  {{- end }}
retry:
  schedule: {{ .Values.retry.schedule | toJson }}
  jitter: {{ .Values.retry.jitter | toJson }}
  maxJitter: {{ .Values.retry.maxJitter | toJson }}
  maxRetryAfter: {{ .Values.retry.maxRetryAfter | toJson }}
  permanentStatuses: {{ .Values.retry.permanentStatuses | toJson }}
management:
  address: {{ .Values.management.address | default "0.0.0.0" | toJson }}
  port: {{ .Values.management.port | int64 }}
  livenessTimeout: {{ .Values.management.livenessTimeout | toJson }}
{{- with .Values.admin }}
{{- if or .port .tokensFile .encryptionKeyFile }}
admin:
  {{- if .port }}
  port: {{ .port | int64 }}
  address: {{ .address | default "0.0.0.0" | toJson }}
  {{- end }}
  {{- if or .port .tokensFile }}
  tokensFile: {{ include "webhook-dispatcher.adminTokensFile" $ | toJson }}
  {{- end }}
  {{- with .encryptionKeyFile }}
  encryptionKeyFile: {{ . | toJson }}
  {{- end }}
{{- end }}
{{- end }}
shutdown:
  timeout: {{ .Values.shutdown.timeout | toJson }}
reload:
  interval: {{ .Values.reload.interval | toJson }}
tenancy:
  workspaceField: {{ .Values.tenancy.workspaceField | toJson }}
  maxSubscriptionsPerWorkspace: {{ .Values.tenancy.maxSubscriptionsPerWorkspace | int64 }}
  maxInFlightPerWorkspace: {{ .Values.tenancy.maxInFlightPerWorkspace | int64 }}
routing:
  exactOnly: {{ .Values.routing.exactOnly | default list | toJson }}
metrics:
  eventTypeLabel: {{ .Values.metrics.eventTypeLabel | toJson }}
  subscriptionLabels: {{ .Values.metrics.subscriptionLabels | toJson }}
{{- with .Values.ingest }}
{{- if .port }}
ingest:
  port: {{ .port | int64 }}
  address: {{ .address | default "0.0.0.0" | toJson }}
  sources:
    {{- range .sources }}
    - id: {{ .id | toJson }}
      secret: {{ printf "${%s}" (include "webhook-dispatcher.ingestSecretEnvName" .id) | toJson }}
      {{- with .signature }}
      signature: {{ . | toJson }}
      {{- end }}
      {{- with .keyField }}
      keyField: {{ . | toJson }}
      {{- end }}
    {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "webhook-dispatcher.config.subscriptions" -}}
# Hot-reloaded: editing this list needs no restart. Secrets are env vars set from Secrets, or
# (secretRef.mount) files of a mounted Secret, which are re-read when the Secret changes.
subscriptions:
{{- range .Values.subscriptions }}
{{- $ref := .secretRef | default dict }}
  - id: {{ .id | toJson }}
    {{- if .workspaceId }}
    workspaceId: {{ .workspaceId | toJson }}
    {{- end }}
    url: {{ .url | toJson }}
    {{- if $ref.mount }}
    secretFile: {{ printf "%s/%s/%s" (include "webhook-dispatcher.secretMountDir" $) .id (default .id $ref.key) | toJson }}
    {{- else }}
    secret: {{ printf "${%s}" (include "webhook-dispatcher.secretEnvName" .id) | toJson }}
    {{- end }}
    {{- if .signature }}
    signature: {{ .signature | toJson }}
    {{- end }}
    events: {{ .events | toJson }}
    {{- if .filter }}
    filter: {{ .filter | toJson }}
    {{- end }}
    enabled: {{ ternary .enabled true (hasKey . "enabled") | toJson }}
    {{- if hasKey . "maxInFlight" }}
    maxInFlight: {{ .maxInFlight | int64 }}
    {{- end }}
    {{- if .rateLimit }}
    rateLimit: {{ .rateLimit | toJson }}
    {{- end }}
    {{- if .autoDisableAfter }}
    autoDisableAfter: {{ .autoDisableAfter | toJson }}
    {{- end }}
    {{- if .circuitBreaker }}
    circuitBreaker: {{ .circuitBreaker | toJson }}
    {{- end }}
    {{- if .tls }}
    tls: {{ include "webhook-dispatcher.tlsConfig" (list $ .tls) }}
    {{- end }}
{{- end }}
{{- end }}

{{/* Checks the schema cannot express; called from the Deployment. */}}
{{- define "webhook-dispatcher.validate" -}}
{{- $ids := dict }}
{{- $envNames := dict }}
{{- $chartSecret := include "webhook-dispatcher.createSecret" . }}
{{- range .Values.subscriptions }}
{{- if hasKey $ids .id }}
{{- fail (printf "subscriptions: duplicate id %q" .id) }}
{{- end }}
{{- $_ := set $ids .id true }}
{{- $env := include "webhook-dispatcher.secretEnvName" .id }}
{{- if hasKey $envNames $env }}
{{- fail (printf "subscriptions: ids %q and %q both map to the env var %s; rename one" (get $envNames $env) .id $env) }}
{{- end }}
{{- $_ := set $envNames $env .id }}
{{- $ref := .secretRef | default dict }}
{{- $key := default .id $ref.key }}
{{- if and (not $ref.name) $chartSecret (not (get $.Values.secrets.webhookSecrets $key)) }}
{{- fail (printf "subscription %q: secrets.webhookSecrets.%s is required (or use secrets.existingSecret or secretRef.name)" .id $key) }}
{{- end }}
{{- if and (not $ref.name) (not $.Values.secrets.create) (not $.Values.secrets.existingSecret) }}
{{- fail (printf "subscription %q: no Secret for its signing secret: set secrets.existingSecret, secretRef.name or secrets.create" .id) }}
{{- end }}
{{- end }}
{{- if .Values.ingest.port }}
{{- if not .Values.ingest.sources }}
{{- fail "ingest.port: ingest.sources is required: who may post, with their secrets" }}
{{- end }}
{{- range .Values.ingest.sources }}
{{- $ref := .secretRef | default dict }}
{{- $key := default (printf "ingest-%s" .id) $ref.key }}
{{- if and (not $ref.name) $chartSecret (not (get $.Values.secrets.webhookSecrets $key)) }}
{{- fail (printf "ingest source %q: secrets.webhookSecrets.%s is required (or use secrets.existingSecret or secretRef.name)" .id $key) }}
{{- end }}
{{- if and (not $ref.name) (not $.Values.secrets.create) (not $.Values.secrets.existingSecret) }}
{{- fail (printf "ingest source %q: no Secret for its secret: set secrets.existingSecret, secretRef.name or secrets.create" .id) }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.admin.port }}
{{- $port := .Values.admin.port | int64 }}
{{- if eq $port (.Values.management.port | int64) }}
{{- fail (printf "admin.port: must differ from management.port (%d)" $port) }}
{{- end }}
{{- if and .Values.ingest.port (eq $port (.Values.ingest.port | int64)) }}
{{- fail (printf "admin.port: must differ from ingest.port (%d)" $port) }}
{{- end }}
{{- if not .Values.topics.subscriptions }}
{{- fail "admin.port: topics.subscriptions is required: the API keeps its subscriptions there" }}
{{- end }}
{{- if not .Values.admin.encryptionKeyFile }}
{{- fail "admin.port: admin.encryptionKeyFile is required: secrets are stored encrypted (mount the keys with extraVolumes)" }}
{{- end }}
{{- if and (include "webhook-dispatcher.adminTokensInChartSecret" .) (not .Values.secrets.admin.tokens) }}
{{- fail "admin.port: secrets.admin.tokens is required: the API accepts no request without a token (or use secrets.admin.existingSecret, secrets.existingSecret or admin.tokensFile)" }}
{{- end }}
{{- if and (include "webhook-dispatcher.adminTokensMounted" .) (not .Values.secrets.create) (not .Values.secrets.existingSecret) (not .Values.secrets.admin.existingSecret) }}
{{- fail "admin.port: no Secret for the tokens: set secrets.admin.existingSecret, secrets.existingSecret or secrets.create" }}
{{- end }}
{{- end }}
{{- if include "webhook-dispatcher.kafkaCredentialsInChartSecret" . }}
{{- if not (and .Values.secrets.kafka.username .Values.secrets.kafka.password) }}
{{- fail "kafka.sasl.enabled: secrets.kafka.username and secrets.kafka.password are required (or use secrets.existingSecret or secrets.kafka.existingSecret)" }}
{{- end }}
{{- end }}
{{- if and .Values.kafka.sasl.enabled (not .Values.secrets.create) (not .Values.secrets.existingSecret) (not .Values.secrets.kafka.existingSecret) }}
{{- fail "kafka.sasl.enabled: no Secret for the credentials: set secrets.kafka.existingSecret, secrets.existingSecret or secrets.create" }}
{{- end }}
{{- if and .Values.pdb.enabled (include "webhook-dispatcher.isSet" .Values.pdb.minAvailable) (include "webhook-dispatcher.isSet" .Values.pdb.maxUnavailable) }}
{{- fail "pdb: set minAvailable or maxUnavailable, not both (with neither, maxUnavailable is 1)" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int64 .Values.autoscaling.minReplicas) (int64 .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling: minReplicas is greater than maxReplicas" }}
{{- end }}
{{- if and .Values.autoscaling.enabled .Values.keda.enabled }}
{{- fail "autoscaling.enabled and keda.enabled: choose one, both would scale the Deployment" }}
{{- end }}
{{- if and .Values.keda.enabled (gt (int64 .Values.keda.minReplicaCount) (int64 (include "webhook-dispatcher.keda.maxReplicaCount" .))) }}
{{- fail (printf "keda: minReplicaCount (%d) is greater than maxReplicaCount (%s)" (int64 .Values.keda.minReplicaCount) (include "webhook-dispatcher.keda.maxReplicaCount" .)) }}
{{- end }}
{{- if and .Values.replay.enabled (empty .Values.replay.args) }}
{{- fail "replay.args: say what to replay (--subscription ID, --event GLOB, --reason R, --since 2h, --dry-run, ...)" }}
{{- end }}
{{- end }}
