{{/*
Helpers shared by every template. Object names are fixed per namespace (one release per
namespace): Services are named exactly by their key in .Values.services (the contract).
*/}}

{{/* The effective profile: minimal=true wins over profile. */}}
{{- define "floe.profile" -}}
{{- if .Values.minimal -}}minimal{{- else -}}{{ .Values.profile }}{{- end -}}
{{- end -}}

{{/* "true" when the full profile is on (Polaris, SeaweedFS, Cube, bootstrap hook). */}}
{{- define "floe.full" -}}
{{- if eq (include "floe.profile" .) "full" -}}true{{- end -}}
{{- end -}}

{{/* "true" when the contract's polaris Service is Apache Polaris itself (catalog.implementation);
"" when Iceberg's REST catalog server stands in for it. */}}
{{- define "floe.polaris" -}}
{{- if eq (.Values.catalog.implementation | default "polaris") "polaris" -}}true{{- end -}}
{{- end -}}

{{/* The Iceberg REST API's base URL inside the namespace: Polaris serves it under /api/catalog,
Iceberg's REST catalog server at its root. Args: $ (root). */}}
{{- define "floe.catalogPath" -}}
{{- if include "floe.polaris" . -}}/api/catalog{{- end -}}
{{- end -}}
{{- define "floe.catalogUri" -}}
http://{{ include "floe.address" (dict "root" . "service" "polaris" "port" "http") }}{{ include "floe.catalogPath" . }}
{{- end -}}

{{/* app.kubernetes.io/component value of each workload. */}}
{{- define "floe.componentOf" -}}
{{- $roles := dict
  "dagster-webserver" "webserver"
  "dagster-daemon" "daemon"
  "dagster-user-code" "user-code"
  "postgresql" "database"
  "polaris" "catalog"
  "seaweedfs" "object-store"
  "cube" "semantic-layer"
  "cube-refresh-worker" "refresh-worker"
  "cubestore" "cache"
  "polaris-bootstrap" "bootstrap"
-}}
{{- index $roles . | default "platform" -}}
{{- end -}}

{{/* Kubernetes recommended labels. Args: dict "root" $ "name" <workload name>. */}}
{{- define "floe.labels" -}}
{{ include "floe.selectorLabels" . }}
app.kubernetes.io/component: {{ include "floe.componentOf" .name }}
app.kubernetes.io/part-of: floe-platform
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
floe.dev/profile: {{ include "floe.profile" .root }}
{{- with .root.Values.global.labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of a workload. Args: dict "root" $ "name" <workload name>. */}}
{{- define "floe.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Labels common to every platform pod (NetworkPolicy "platform-internal"). Test-runner
pods share part-of but never the release's instance label. */}}
{{- define "floe.platformSelector" -}}
app.kubernetes.io/part-of: floe-platform
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* image and imagePullPolicy. Args: dict "root" $ "image" <image values>. */}}
{{- define "floe.image" -}}
image: {{ printf "%s:%s" .image.repository (.image.tag | default .root.Chart.AppVersion) | quote }}
imagePullPolicy: {{ .image.pullPolicy | default .root.Values.global.imagePullPolicy }}
{{- end -}}

{{/* Pod-level settings shared by every pod. Args: dict "root" $ "sc" <component securityContext>. */}}
{{- define "floe.podCommon" -}}
serviceAccountName: floe-platform
automountServiceAccountToken: false
enableServiceLinks: false
{{- if not (kindIs "invalid" .root.Values.global.terminationGracePeriodSeconds) }}
terminationGracePeriodSeconds: {{ int .root.Values.global.terminationGracePeriodSeconds }}
{{- end }}
securityContext:
  {{- toYaml (mergeOverwrite (deepCopy .root.Values.podSecurityContext) (deepCopy (.sc | default dict))) | nindent 2 }}
{{- with .root.Values.global.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Container securityContext (restricted profile). Args: $ (root). */}}
{{- define "floe.containerSecurity" -}}
securityContext:
  {{- toYaml .Values.containerSecurityContext | nindent 2 }}
{{- end -}}

{{/* Container ports of a contract service. Args: dict "root" $ "name" <service>. */}}
{{- define "floe.containerPorts" -}}
ports:
{{- range (index .root.Values.services .name).ports }}
  - name: {{ .name }}
    containerPort: {{ .port }}
    protocol: TCP
{{- end }}
{{- end -}}

{{/* The number of a named contract port. Args: dict "root" $ "service" <name> "port" <port name>. */}}
{{- define "floe.port" -}}
{{- $svc := index .root.Values.services .service | default dict -}}
{{- $found := "" -}}
{{- range ($svc.ports | default list) -}}
{{- if eq .name $.port }}{{ $found = toString .port }}{{ end -}}
{{- end -}}
{{- required (printf "services.%s has no port named %s (see the service contract)" .service .port) $found -}}
{{- end -}}

{{/* In-namespace address host:port of a contract port. Args as floe.port. */}}
{{- define "floe.address" -}}
{{ .service }}:{{ include "floe.port" . }}
{{- end -}}

{{/* A ClusterIP Service for a contract entry. Args: dict "root" $ "name" <service>
["targets" <port name -> the container port name serving it; default: the same name>]. */}}
{{- define "floe.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "floe.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "floe.selectorLabels" . | nindent 4 }}
  ports:
  {{- range (index .root.Values.services .name).ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ index ($.targets | default dict) .name | default .name }}
      protocol: TCP
  {{- end }}
{{- end -}}

{{/* startup, readiness and liveness probes: handler from the template, timings from values.
Args: dict "root" $ "handler" <probe handler> ["liveness" <handler>] ["readiness" false]
["timings" <per-component override of .Values.probes>]. */}}
{{- define "floe.probes" -}}
{{- $t := mergeOverwrite (deepCopy .root.Values.probes) (deepCopy (.timings | default dict)) -}}
{{- $live := .liveness | default .handler -}}
startupProbe:
  {{- toYaml (mergeOverwrite (deepCopy .handler) $t.startup) | nindent 2 }}
{{- if ne (toString .readiness) "false" }}
readinessProbe:
  {{- toYaml (mergeOverwrite (deepCopy .handler) $t.readiness) | nindent 2 }}
{{- end }}
livenessProbe:
  {{- toYaml (mergeOverwrite (deepCopy $live) $t.liveness) | nindent 2 }}
{{- end -}}

{{/* An init container waiting (bounded by the pod's startup) for PostgreSQL. Args: $ (root). */}}
{{- define "floe.waitForPostgres" -}}
- name: wait-for-postgresql
  {{- include "floe.image" (dict "root" . "image" .Values.postgresql.image) | nindent 2 }}
  command:
    - sh
    - -c
    - |
      for i in $(seq 1 120); do
        pg_isready -q -h postgresql -p {{ include "floe.port" (dict "root" . "service" "postgresql" "port" "postgresql") }} && exit 0
        echo "waiting for postgresql ($i/120)"; sleep 2
      done
      echo "postgresql not ready after 240s" >&2; exit 1
  {{- include "floe.containerSecurity" . | nindent 2 }}
  resources:
    requests: {cpu: 10m, memory: 16Mi}
    limits: {cpu: 100m, memory: 64Mi}
{{- end -}}

{{/* A Secret value: kept from the live Secret across upgrades, else random.
Args: dict "root" $ "secret" <name> "key" <key> "length" <n>. Returns base64. */}}
{{- define "floe.secretValue" -}}
{{- $live := lookup "v1" "Secret" .root.Release.Namespace .secret -}}
{{- if and $live $live.data (hasKey $live.data .key) -}}
{{- index $live.data .key -}}
{{- else -}}
{{- randAlphaNum (int .length) | b64enc -}}
{{- end -}}
{{- end -}}

{{/* env entry reading a Secret key. Args: dict "env" <NAME> "secret" <name> "key" <key>. */}}
{{- define "floe.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end -}}
