# arc-onboarding Container Insights proxy bypass: `proxy.bypass: [Microsoft.AzureMonitor.Containers]`,
# as `az connectedk8s connect/update --add-proxy-bypass Microsoft.AzureMonitor.Containers` and its undo
# on `update --clear-proxy-bypass` and `delete` (azure-cli-extensions @ 0b4bb2eb, connectedk8s
# `_containerinsightsutils.py`: ensure_container_insights_proxy_bypass_configmap,
# create_container_insights_proxy_bypass_configmap, remove_container_insights_proxy_bypass_configmap,
# merge_proxy_bypass_into_agent_settings, remove_proxy_bypass_from_agent_settings; constants in
# `_constants.py` CI_ConfigMap_*).
#
# The Container Insights agent (ama-logs) reads `ignore_proxy_settings` under
# `[agent_settings.proxy_config]` in the `agent-settings` value of ConfigMap
# kube-system/container-azm-ms-agentconfig. ARC_CI_BYPASS says what to do:
#   add     the CLI's ensure: the ConfigMap absent, create it holding only the setting (stamped);
#           present, set the line to "true" in place, keeping every other line; stamp the ConfigMap
#           with the CLI's annotation only when this changed something (a bypass already on is the
#           user's, or Container Insights', and stays theirs);
#   remove  the CLI's remove: only when the annotation is there, set the line to "false" (never
#           deleted, never the ConfigMap) and drop the annotation; else leave it all alone.
# The annotation is the CLI's own (`connectedk8s.arc.azure.com/proxy-bypass: azure-cli`), so the CLI
# undoes what this script did and the other way round.
# Writes are merge patches carrying the resourceVersion read (a concurrent writer is a 409, read
# again), as the CLI's read-modify-replace. Any failure fails the step naming the ConfigMap, as the
# CLI stops; a destroy passes a cluster that does not answer only with PULUMI_K8S_DELETE_UNREACHABLE=true.
# Values: ARC_CI_BYPASS; ARC_KUBECONFIG (contents) and ARC_KUBE_CONTEXT, both optional.
# shellcheck shell=sh
set -euf
name=container-azm-ms-agentconfig
namespace=kube-system
key=agent-settings
stamp=connectedk8s.arc.azure.com/proxy-bypass
where="ConfigMap $namespace/$name"

# Files of this run (what kubectl read and wrote) in a private directory, gone at the end and on
# HUP, INT and TERM (dash runs the EXIT trap only when an `exit` ends it).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# The kubeconfig reaches kubectl on descriptor 3 from a here-document, never as a file of its own.
k() {
  if [ -n "${ARC_KUBE_CONTEXT:-}" ]; then set -- --context "$ARC_KUBE_CONTEXT" "$@"; fi
  if [ -z "${ARC_KUBECONFIG:-}" ]; then
    kubectl --request-timeout=20s "$@"
    return
  fi
  kubectl --request-timeout=20s --kubeconfig /dev/fd/3 "$@" 3<<EOF
$ARC_KUBECONFIG
EOF
}
fail() {
  printf 'arc-onboarding: Container Insights proxy bypass (proxy.bypass): %s\n' "$1" >&2
  exit 1
}

# The agent settings edited line by line as the CLI does (find_active_proxy_bypass_setting: blank
# and `#` lines skipped, a `[` line opens a section, the setting counts only inside
# [agent_settings.proxy_config]); prints the new text, lines joined by newlines, no newline added
# at the end (Python's "\n".join of splitlines), or the input unchanged. $1: add or remove.
edit() {
  awk -v mode="$1" '
    function trim(s) { sub(/^[ \t\r\n\f\v]+/, "", s); sub(/[ \t\r\n\f\v]+$/, "", s); return s }
    { lines[++n] = $0 }
    END {
      header = 0; current = 0; setting = 0
      for (i = 1; i <= n; i++) {
        s = trim(lines[i])
        if (s == "" || substr(s, 1, 1) == "#") continue
        if (substr(s, 1, 1) == "[") {
          squeezed = s; gsub(/[ \t\r\n\f\v]/, "", squeezed)
          current = (index(squeezed, "[agent_settings.proxy_config]") == 1) ? i : 0
          if (current && !header) header = i
          continue
        }
        if (current && index(s, "ignore_proxy_settings") == 1) { setting = i; break }
      }
      on = "ignore_proxy_settings = \"true\""
      if (mode == "remove") {
        if (!setting) { unchanged(); exit }
        lines[setting] = indent(lines[setting]) "ignore_proxy_settings = \"false\""
        joined(); exit
      }
      if (setting) {
        s = trim(lines[setting]); gsub(/ /, "", s)
        if (index(s, "ignore_proxy_settings=\"true\"") == 1) { unchanged(); exit }
        lines[setting] = indent(lines[setting]) on
        joined(); exit
      }
      block = "[agent_settings.proxy_config]\n    " on
      if (header) {
        for (i = n; i > header; i--) lines[i + 1] = lines[i]
        lines[header + 1] = "    " on; n++
        joined(); exit
      }
      text = ""
      for (i = 1; i <= n; i++) text = text lines[i] (i < n ? "\n" : "")
      if (trim(text) == "") { printf "%s", block; exit }
      sub(/\n+$/, "", text)
      printf "%s\n%s", text, block
    }
    function indent(line) { match(line, /^[ \t\r\n\f\v]*/); return substr(line, 1, RLENGTH) }
    function joined(  i) { for (i = 1; i <= n; i++) printf "%s%s", lines[i], (i < n ? "\n" : "") }
    function unchanged() { printf "%s", ENVIRON["ARC_CI_ORIGINAL"] }
  '
}

# A JSON string of stdin (quotes included).
json_string() {
  awk 'BEGIN {
      printf "\""
      ctrl = "\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037"
    }
    {
      if (NR > 1) printf "\\n"
      line = $0; out = ""
      for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (c == "\\") out = out "\\\\"
        else if (c == "\"") out = out "\\\""
        else if (c == "\t") out = out "\\t"
        else if (c == "\r") out = out "\\r"
        else if (index(ctrl, c)) out = out sprintf("\\u%04x", index(ctrl, c))
        else out = out c
      }
      printf "%s", out
    }
    END { printf "\"" }'
}

# A cluster that does not answer stops the step, as the CLI stops; at destroy, the uninstall guard's
# PULUMI_K8S_DELETE_UNREACHABLE=true (the destroy's own environment) lets it pass a cluster that is gone.
if ! k get --raw /version >/dev/null 2>"$work/errors"; then
  if [ "$ARC_CI_BYPASS" = remove ] && [ "$(printf '%s' "${PULUMI_K8S_DELETE_UNREACHABLE:-}" | tr '[:upper:]' '[:lower:]')" = true ]; then
    printf 'arc-onboarding: Container Insights proxy bypass: the cluster does not answer; PULUMI_K8S_DELETE_UNREACHABLE=true: treated as gone, %s not changed\n' "$where" >&2
    exit 0
  fi
  fail "the cluster does not answer ($(tail -n 1 "$work/errors")); $where not changed. If the cluster is gone for good, run the destroy with PULUMI_K8S_DELETE_UNREACHABLE=true"
fi

# Line 1 the resourceVersion, line 2 "1" when the CLI's annotation is there, then the settings verbatim.
# shellcheck disable=SC2016 # $k and $v are the go-template's variables, not the shell's
template='{{.metadata.resourceVersion}}
{{if .metadata.annotations}}{{range $k, $v := .metadata.annotations}}{{if eq $k "'$stamp'"}}1{{end}}{{end}}{{end}}
{{if .data}}{{with index .data "'$key'"}}{{.}}{{end}}{{end}}'
attempt=0
while :; do
  attempt=$((attempt + 1))
  if ! k get configmap "$name" --namespace "$namespace" -o "go-template=$template" >"$work/read" 2>"$work/errors"; then
    if ! grep -q NotFound "$work/errors"; then
      fail "cannot read $where: $(tail -n 1 "$work/errors"); the identity needs get, create and update on ConfigMaps in $namespace"
    fi
    # Absent: nothing to undo; for add, created with only the setting (Container Insights fills in the rest).
    [ "$ARC_CI_BYPASS" = add ] || exit 0
    settings=$(printf '[agent_settings.proxy_config]\n    ignore_proxy_settings = "true"' | json_string)
    printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s","namespace":"%s","annotations":{"%s":"azure-cli"}},"data":{"schema-version":"v1","config-version":"ver1","%s":%s}}' \
      "$name" "$namespace" "$stamp" "$key" "$settings" >"$work/create"
    if k create -f "$work/create" >/dev/null 2>"$work/errors"; then
      printf 'arc-onboarding: created %s for the Container Insights proxy bypass\n' "$where" >&2
      exit 0
    fi
    # Appeared in between (409 AlreadyExists): merge into it instead, as the CLI does.
    if grep -q AlreadyExists "$work/errors" && [ "$attempt" -lt 3 ]; then continue; fi
    fail "cannot create $where: $(tail -n 1 "$work/errors")"
  fi
  version=$(sed -n 1p "$work/read")
  stamped=$(sed -n 2p "$work/read")
  # The value verbatim: everything after the second newline.
  ARC_CI_ORIGINAL=$(awk 'NR > 2 { printf "%s%s", sep, $0; sep = "\n" }' "$work/read"; printf x)
  ARC_CI_ORIGINAL=${ARC_CI_ORIGINAL%x}
  export ARC_CI_ORIGINAL
  if [ "$ARC_CI_BYPASS" = remove ]; then
    # Not stamped: the setting is not this tool's (nor the CLI's) to undo.
    [ "$stamped" = 1 ] || exit 0
    annotation=null
  else
    annotation='"azure-cli"'
  fi
  printf '%s' "$ARC_CI_ORIGINAL" | edit "$ARC_CI_BYPASS" >"$work/edited"
  if [ "$ARC_CI_BYPASS" = add ] && [ "$(cat "$work/edited"; printf x)" = "${ARC_CI_ORIGINAL}x" ]; then
    # Already on, by someone else: no stamp, so it is never undone here.
    exit 0
  fi
  settings=$(json_string <"$work/edited")
  patch=$(printf '{"metadata":{"resourceVersion":"%s","annotations":{"%s":%s}},"data":{"%s":%s}}' \
    "$version" "$stamp" "$annotation" "$key" "$settings")
  if k patch configmap "$name" --namespace "$namespace" --type=merge -p "$patch" >/dev/null 2>"$work/errors"; then
    printf 'arc-onboarding: %s: Container Insights proxy bypass %s\n' "$where" \
      "$([ "$ARC_CI_BYPASS" = add ] && echo on || echo off)" >&2
    exit 0
  fi
  if grep -q -e Conflict -e 'the object has been modified' "$work/errors" && [ "$attempt" -lt 3 ]; then continue; fi
  fail "cannot update $where: $(tail -n 1 "$work/errors"); the identity needs get, create and update on ConfigMaps in $namespace"
done
