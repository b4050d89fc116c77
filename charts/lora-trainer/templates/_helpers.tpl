{{/*
Names, labels and the pieces both Deployments share.
*/}}

{{- define "lora-trainer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's base name; components append -operator / -receiver, so it is kept to 52 characters. */}}
{{- define "lora-trainer.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "lora-trainer.operatorName" -}}
{{- printf "%s-operator" (include "lora-trainer.fullname" .) }}
{{- end }}

{{- define "lora-trainer.receiverName" -}}
{{- printf "%s-receiver" (include "lora-trainer.fullname" .) }}
{{- end }}

{{- define "lora-trainer.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "lora-trainer.labels" -}}
helm.sh/chart: {{ include "lora-trainer.chart" . }}
app.kubernetes.io/name: {{ include "lora-trainer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lora-trainer
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component; call with (dict "root" $ "component" "operator"). */}}
{{- define "lora-trainer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lora-trainer.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* All labels of one component; call with (dict "root" $ "component" "operator"). */}}
{{- define "lora-trainer.componentLabels" -}}
{{ include "lora-trainer.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "lora-trainer.operatorServiceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (include "lora-trainer.operatorName" .) .Values.operator.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "lora-trainer.receiverServiceAccountName" -}}
{{- if .Values.receiver.serviceAccount.create }}
{{- default (include "lora-trainer.receiverName" .) .Values.receiver.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.receiver.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* An image reference; call with (dict "root" $ "image" .Values.operator.image). A digest wins over the tag. */}}
{{- define "lora-trainer.image" -}}
{{- $tag := default .root.Chart.AppVersion .image.tag }}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository $tag }}
{{- end }}
{{- end }}

{{/* The receiver's public URL as GPU hosts reach it: set explicitly, or derived from the receiver's Ingress. */}}
{{- define "lora-trainer.receiverUrl" -}}
{{- $explicit := .Values.operator.config.Operator.ReceiverUrl }}
{{- if $explicit }}
{{- $explicit }}
{{- else if and .Values.receiver.ingress.enabled .Values.receiver.ingress.host }}
{{- printf "%s://%s" (ternary "https" "http" .Values.receiver.ingress.tls.enabled) .Values.receiver.ingress.host }}
{{- else }}
{{- fail "operator.config.Operator.ReceiverUrl is required: the receiver's public URL as GPU hosts on Vast reach it (e.g. https://lora-hooks.example.com), or enable receiver.ingress with a host to derive it." }}
{{- end }}
{{- end }}

{{/* The namespace of the leader-election Lease: Operator.LeaderElection.LeaseNamespace, else the release's. */}}
{{- define "lora-trainer.leaseNamespace" -}}
{{- default .Release.Namespace .Values.operator.config.Operator.LeaderElection.LeaseNamespace }}
{{- end }}

{{- define "lora-trainer.leaseName" -}}
{{- .Values.operator.config.Operator.LeaderElection.LeaseName }}
{{- end }}

{{/* The namespace the run-namespace Roles go to when rbac.scope is "namespace". */}}
{{- define "lora-trainer.runNamespace" -}}
{{- $ns := .Values.operator.config.Operator.WatchNamespace }}
{{- if not $ns }}
{{- fail "rbac.scope \"namespace\" needs operator.config.Operator.WatchNamespace: the one namespace whose TrainingRuns the operator manages." }}
{{- end }}
{{- $ns }}
{{- end }}

{{/*
Environment variables from a configuration map, one per leaf, named as .NET configuration reads them
(Section__Key__SubKey). Nulls and empty strings are left out, so the code's default applies.
Call with (dict "prefix" "" "values" .Values.operator.config).
*/}}
{{- define "lora-trainer.configEnv" -}}
{{- $prefix := .prefix }}
{{- range $key, $value := .values }}
{{- $name := printf "%s%s" $prefix $key }}
{{- if kindIs "map" $value }}
{{- include "lora-trainer.configEnv" (dict "prefix" (printf "%s__" $name) "values" $value) }}
{{- else if kindIs "slice" $value }}
{{- range $index, $item := $value }}
- name: {{ printf "%s__%d" $name $index | quote }}
  value: {{ ternary $item ($item | toJson) (kindIs "string" $item) | quote }}
{{- end }}
{{- else if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
{{- /* toJson keeps integers whole (10737418240, not 1.073741824e+10). */}}
- name: {{ $name | quote }}
  value: {{ ternary $value ($value | toJson) (kindIs "string" $value) | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* The pod-level security context both components run with. */}}
{{- define "lora-trainer.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{/* The container-level security context both components run with. */}}
{{- define "lora-trainer.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext }}
{{- end }}

{{/* Scheduling settings of one component; call with the component's values. */}}
{{- define "lora-trainer.scheduling" -}}
{{- with .priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Egress every component needs when egress is restricted: DNS and the Kubernetes API server. */}}
{{- define "lora-trainer.baseEgress" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
- to:
    {{- range .Values.networkPolicy.egress.apiServerCidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    {{- range .Values.networkPolicy.egress.apiServerPorts }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end }}

{{- define "lora-trainer.dashboardName" -}}
{{- printf "%s-dashboard" (include "lora-trainer.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
