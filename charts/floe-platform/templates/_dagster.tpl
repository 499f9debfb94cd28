{{/* Pieces shared by the three Dagster pods. */}}

{{- define "floe.dagsterEnv" -}}
- name: DAGSTER_HOME
  value: {{ .Values.dagster.home | quote }}
{{ include "floe.secretEnv" (dict "env" "DAGSTER_PG_USERNAME" "secret" "postgresql-credentials" "key" "username") }}
{{ include "floe.secretEnv" (dict "env" "DAGSTER_PG_PASSWORD" "secret" "postgresql-credentials" "key" "password") }}
- name: PYTHONUNBUFFERED
  value: "1"
{{- end -}}

{{- define "floe.dagsterMounts" -}}
- {name: dagster-home, mountPath: {{ .Values.dagster.home }}}
- {name: dagster-instance, mountPath: {{ .Values.dagster.home }}/dagster.yaml, subPath: dagster.yaml, readOnly: true}
- {name: dagster-instance, mountPath: /opt/dagster/workspace/workspace.yaml, subPath: workspace.yaml, readOnly: true}
- {name: tmp, mountPath: /tmp}
{{- end -}}

{{- define "floe.dagsterVolumes" -}}
- {name: dagster-home, emptyDir: {}}
- {name: tmp, emptyDir: {}}
- name: dagster-instance
  configMap:
    name: dagster-instance
{{- end -}}
