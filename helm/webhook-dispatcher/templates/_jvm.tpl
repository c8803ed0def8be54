{{/* JVM memory and the extension directory (the README's "Memory" and "Extension jars" sections). */}}

{{/* A Kubernetes quantity (512Mi, 1Gi, 1.5Gi, 600M, 536870912) in whole MiB, rounded down. */}}
{{- define "webhook-dispatcher.quantityMiB" -}}
{{- $text := toString . }}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $text }}
{{- $unit := trimPrefix $number $text }}
{{- $factors := dict "" 1.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 }}
{{- if or (not $number) (not (hasKey $factors $unit)) }}
{{- fail (printf "%q is not a memory quantity such as 512Mi or 1Gi" $text) }}
{{- end }}
{{- divf (mulf (float64 $number) (get $factors $unit)) 1048576.0 | floor | int64 }}
{{- end }}

{{/* A dispatcher size (1048576, 512KiB, 64MiB, 1GiB) in MiB, rounded up. */}}
{{- define "webhook-dispatcher.sizeMiB" -}}
{{- $text := toString . }}
{{- $number := regexFind "^[0-9]+" $text | int64 }}
{{- $unit := regexFind "(KiB|MiB|GiB)$" $text }}
{{- $bytes := mul $number (get (dict "" 1 "KiB" 1024 "MiB" 1048576 "GiB" 1073741824) $unit) }}
{{- div (add $bytes 1048575) 1048576 }}
{{- end }}

{{/*
-Xmx in MiB: jvm.maxHeap (300m, 1g) if set, else resources.limits.memory minus jvm.nonHeap; empty without either.
Fails when the heap is less than 6 x delivery.maxBufferedBytes, the bound on consumed records in memory.
*/}}
{{- define "webhook-dispatcher.heapMiB" -}}
{{- $limit := dig "limits" "memory" "" (.Values.resources | default dict) }}
{{- $heap := 0 }}
{{- if .Values.jvm.maxHeap }}
{{- $n := regexFind "^[0-9]+" .Values.jvm.maxHeap | int64 }}
{{- $heap = ternary (mul $n 1024) $n (hasSuffix "g" .Values.jvm.maxHeap) }}
{{- else if $limit }}
{{- $heap = sub (include "webhook-dispatcher.quantityMiB" $limit | int64) (include "webhook-dispatcher.quantityMiB" .Values.jvm.nonHeap | int64) }}
{{- end }}
{{- if $heap }}
{{- $buffered := include "webhook-dispatcher.sizeMiB" .Values.delivery.maxBufferedBytes | int64 }}
{{- if lt $heap (mul 6 $buffered) }}
{{- fail (printf "jvm: a %d MiB heap (resources.limits.memory %s minus jvm.nonHeap %s, or jvm.maxHeap) is less than 6 x delivery.maxBufferedBytes (%s): raise the memory limit or lower maxBufferedBytes" $heap (toString $limit) (toString .Values.jvm.nonHeap) (toString .Values.delivery.maxBufferedBytes)) }}
{{- end }}
{{- $heap }}
{{- end }}
{{- end }}

{{/* JAVA_TOOL_OPTIONS for the container: replaces the image's, so it repeats the flags the image relies on. */}}
{{- define "webhook-dispatcher.javaToolOptions" -}}
{{- $heap := include "webhook-dispatcher.heapMiB" . }}
{{- $flags := list (ternary (printf "-Xmx%sm" $heap) "-XX:MaxRAMPercentage=60" (ne $heap "")) }}
{{- with .Values.jvm.options }}{{ $flags = append $flags . }}{{ end }}
{{- $flags = concat $flags (list "-XX:+ExitOnOutOfMemoryError" "-Djava.io.tmpdir=/tmp") }}
{{- join " " $flags }}
{{- end }}

{{/* Where the image puts the extension directory on the class path (the Dockerfile's ENTRYPOINT). */}}
{{- define "webhook-dispatcher.extensionDir" -}}/opt/webhook-dispatcher/ext{{- end }}
