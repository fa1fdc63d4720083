{{/* The name of every object: the release name, or trust-auditor inside it. */}}
{{- define "trust-auditor.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains "trust-auditor" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-trust-auditor" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "trust-auditor.selectorLabels" -}}
app.kubernetes.io/name: trust-auditor
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "trust-auditor.labels" -}}
{{ include "trust-auditor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The Secret holding the passwords: existingSecret, or the one this chart creates. */}}
{{- define "trust-auditor.secretName" -}}
{{- default (include "trust-auditor.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{/* The job TrustAuditorDown watches: prometheusRule.job, or the Service's name (the job a ServiceMonitor gives). */}}
{{- define "trust-auditor.ruleJob" -}}
{{- default (include "trust-auditor.fullname" .) .Values.prometheusRule.job -}}
{{- end -}}
