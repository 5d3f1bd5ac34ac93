# arc-onboarding delete guard: at `pulumi destroy`, before the agents' release is uninstalled, make
# sure the cluster the stored kubeconfig reaches is the one this stack onboarded, then delete the
# extensions this stack does not manage while the agents still run (they remove the extensions'
# workloads), as `az connectedk8s delete` deletes the ARM resource first (connectedk8s custom.py,
# delete_connectedk8s ~2157-2330).
#
# Run as `/bin/sh -c "$(this file)"` as the delete step of the `<cluster>-uninstall-guard` Command
# (components/arc_cluster.py), which depends on the release: destroy runs it first. Environment,
# stored at its last create or update (components/scripts/__init__.py, delete_guard_environment):
#   ARC_SUBSCRIPTION, ARC_RESOURCE_GROUP, ARC_CLUSTER_NAME: this stack's connected cluster;
#   ARC_AGENT_NAMESPACE, ARC_RELEASE_NAME, ARC_RELEASE_NAMESPACE;
#   ARC_MANAGED_EXTENSIONS: the extensions this stack declares (deleted by their own resources), one a line;
#   ARC_FORCE_DELETE (agents.forceDelete): "true" or "false" (true: no ConfigMap is no refusal, the
#     ARM resource is force-deleted and the release forgotten without its hooks, steps 4-5);
#   ARC_EXTENSION_TIMEOUT_SECONDS; ARC_POLL_INTERVAL_SECONDS (default 10; tests set 0);
#   ARC_KUBECONFIG and ARC_KUBE_CONTEXT, both optional, as cleanup.sh.
# From the destroy's own environment: PULUMI_K8S_DELETE_UNREACHABLE=true lets it pass a cluster
# that does not answer (gone), as the kubernetes provider then drops the release.
# Exit 1 refuses: destroy stops before anything is uninstalled, and says why.
# shellcheck shell=sh
set -euf
say() { printf 'arc-onboarding delete guard: %s\n' "$*" >&2; }
refuse() { say "$* -- nothing was uninstalled"; exit 1; }
lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
last_line() { tail -n 1 "$errors" 2>/dev/null || true; }
interval=${ARC_POLL_INTERVAL_SECONDS:-10}

# @include private_kubeconfig.sh
k() {
  if [ -n "${ARC_KUBE_CONTEXT:-}" ]; then set -- --context "$ARC_KUBE_CONTEXT" "$@"; fi
  if [ -n "$kubeconfig" ]; then set -- --kubeconfig "$kubeconfig" "$@"; fi
  kubectl "$@"
}
cluster_id="/subscriptions/$ARC_SUBSCRIPTION/resourceGroups/$ARC_RESOURCE_GROUP/providers/Microsoft.Kubernetes/connectedClusters/$ARC_CLUSTER_NAME"
reached="the cluster that the stored kubeconfig${ARC_KUBE_CONTEXT:+ context $ARC_KUBE_CONTEXT} reaches"

# 1. Never through Cluster Connect: uninstalling the agents cuts the proxy it runs over (the CLI
# refuses a server https://127.0.0.1:PORT/<sha256 of the ARM id>, custom.py ~2297 check_proxy_kubeconfig).
# (In-cluster there is no kubeconfig: the server is empty.)
server=$(k config view --minify -o 'jsonpath={.clusters[0].cluster.server}' 2>/dev/null || true)
if printf '%s\n' "$server" | grep -Eq '^https://127\.0\.0\.1:[0-9]{1,5}/[0-9a-f]{64}/?$'; then
  refuse "the stored kubeconfig is a Cluster Connect proxy kubeconfig (server $server): uninstalling the agents through it would cut its own connection. Set kubeconfig/kubeContext to the cluster's own API server, run pulumi up, then pulumi destroy"
fi

# 2. The reached cluster must be this stack's (custom.py ~2287: azure-clusterconfig's subscription,
# group and name against the request, case-insensitively).
if ! k --request-timeout=20s get --raw /version >/dev/null 2>"$errors"; then
  if [ "$(lower "${PULUMI_K8S_DELETE_UNREACHABLE:-}")" = true ]; then
    say "$reached does not answer ($(last_line)); PULUMI_K8S_DELETE_UNREACHABLE=true: treated as gone, nothing checked on it"
    exit 0
  fi
  refuse "$reached does not answer ($(last_line)), so it cannot be checked to be this stack's. If the cluster is gone for good, run the destroy with PULUMI_K8S_DELETE_UNREACHABLE=true"
fi
if ! release=$(k get secrets --namespace "$ARC_RELEASE_NAMESPACE" -l "owner=helm,name=$ARC_RELEASE_NAME" -o name 2>"$errors"); then
  refuse "cannot look for the $ARC_RELEASE_NAME release on $reached: $(last_line)"
fi
if [ -n "$release" ]; then
  if ! identity=$(k get configmap azure-clusterconfig --namespace "$ARC_AGENT_NAMESPACE" --ignore-not-found \
      -o 'jsonpath={.data.AZURE_SUBSCRIPTION_ID}/{.data.AZURE_RESOURCE_GROUP}/{.data.AZURE_RESOURCE_NAME}' 2>"$errors"); then
    refuse "cannot read ConfigMap $ARC_AGENT_NAMESPACE/azure-clusterconfig on $reached: $(last_line)"
  fi
  identity=$(printf '%s' "$identity" | tr -d '\000-\037\177')  # the cluster's text, shown: no control characters
  ours="$ARC_SUBSCRIPTION/$ARC_RESOURCE_GROUP/$ARC_CLUSTER_NAME"
  if [ -z "$(printf '%s' "$identity" | tr -d /)" ]; then
    # `az connectedk8s delete --force` does not read the ConfigMap (custom.py delete_connectedk8s,
    # azure-cli-extensions @ 0b4bb2eb): a half-removed onboarding is what --force is for.
    if [ "$ARC_FORCE_DELETE" != true ]; then
      refuse "$reached has an $ARC_RELEASE_NAME release but no ConfigMap $ARC_AGENT_NAMESPACE/azure-clusterconfig, so whose agents they are cannot be told; this stack onboarded $ours. Point kubeconfig/kubeContext at that cluster and run pulumi up, then pulumi destroy; or, if the ConfigMap is lost, set agents.forceDelete: true, run pulumi up, then pulumi destroy"
    fi
    say "$reached has an $ARC_RELEASE_NAME release but no ConfigMap $ARC_AGENT_NAMESPACE/azure-clusterconfig; agents.forceDelete: going on, as az connectedk8s delete --force does"
  elif [ "$(lower "$identity")" != "$(lower "$ours")" ]; then
    # Never, not even with agents.forceDelete: these are another onboarding's agents.
    refuse "$reached carries the agents of connected cluster $identity (subscription/group/name), not this stack's $ours: the kubeconfig was re-pointed at another cluster. Point kubeconfig/kubeContext back at the onboarded cluster and run pulumi up, then pulumi destroy"
  else
    say "$reached carries this stack's agents ($ours)"
  fi
else
  say "$reached has no $ARC_RELEASE_NAME release in $ARC_RELEASE_NAMESPACE: nothing of the agents to check there"
fi

# 3. Extensions this stack does not manage, deleted while the agents run, and waited for: an
# extension's ARM resource goes once the agents report its workloads removed (the k8s-extension
# delete flow; `forceDelete` skips waiting for the agents). API: Microsoft.KubernetesConfiguration 2023-05-01.
extensions="$cluster_id/providers/Microsoft.KubernetesConfiguration/extensions"
api='api-version=2023-05-01'
if ! names=$(az rest --method get --url "$extensions?$api" --query 'value[].name' --output tsv 2>"$errors"); then
  if grep -q -e ResourceNotFound -e ResourceGroupNotFound -e NotFound "$errors"; then
    names=
  else
    refuse "cannot list the extensions of $cluster_id: $(last_line)"
  fi
fi
managed=$(lower "${ARC_MANAGED_EXTENSIONS:-}")
force=
if [ "$ARC_FORCE_DELETE" = true ]; then force="&forceDelete=true"; fi
for name in $names; do
  if printf '%s\n' "$managed" | grep -Fxq -- "$(lower "$name")"; then continue; fi
  say "extension $name: not managed by this stack; deleting it while the agents run"
  if ! az rest --method delete --url "$extensions/$name?$api$force" >/dev/null 2>"$errors"; then
    refuse "extension $name of $cluster_id could not be deleted: $(last_line)"
  fi
  deadline=$(( $(date +%s) + ARC_EXTENSION_TIMEOUT_SECONDS ))
  while az rest --method get --url "$extensions/$name?$api" --output none 2>"$errors"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      refuse "extension $name of $cluster_id is still there after ${ARC_EXTENSION_TIMEOUT_SECONDS} s; look at it with az k8s-extension show --name $name --cluster-type connectedClusters --cluster-name $ARC_CLUSTER_NAME --resource-group $ARC_RESOURCE_GROUP, or set agents.forceDelete: true"
    fi
    sleep "$interval"
  done
  say "extension $name: gone"
done

# 4. agents.forceDelete: the ARM force delete of `az connectedk8s delete --force` (custom.py
# delete_connectedk8s -> delete_cc_resource, `params={"force": True}`, azure-cli-extensions @ 0b4bb2eb;
# `force` query parameter since connectedk8s 1.10.8, at the CLI's api-version).
if [ "$ARC_FORCE_DELETE" = true ]; then
  if ! az rest --method delete --url "$cluster_id?api-version=2025-08-01-preview&force=true" >/dev/null 2>"$errors"; then
    if ! grep -q -e ResourceNotFound -e ResourceGroupNotFound "$errors"; then
      refuse "the force delete of $cluster_id failed: $(last_line)"
    fi
  fi
  say "connected cluster $cluster_id: force-deleted in Azure (agents.forceDelete)"
fi

# 5. agents.forceDelete: `helm delete --no-hooks`, as the CLI's --force runs it after the ARM force
# delete (_utils.py delete_arc_agents with no_hooks). The kubernetes provider's Release always
# uninstalls with hooks (pulumi-kubernetes helm_release.go Delete sets no DisableHooks), so with
# agents.forceDelete the program retains the release and this forgets it with kubectl, as the
# pre-write check's replaceStale does: the release's storage secrets and the cluster-scoped objects
# Helm marked as the release's; the cleanup step then deletes the namespaces and the CRDs.
if [ "$ARC_FORCE_DELETE" = true ] && [ -n "$release" ]; then
  fail() { say "$* -- the connected cluster is already force-deleted in Azure; run pulumi destroy again"; exit 1; }
  marks='{range .items[*]}{.kind}/{.metadata.name} {.metadata.annotations.meta\.helm\.sh/release-name}/{.metadata.annotations.meta\.helm\.sh/release-namespace}{"\n"}{end}'
  if ! owned=$(k get clusterroles,clusterrolebindings,mutatingwebhookconfigurations,validatingwebhookconfigurations,apiservices \
      -o "jsonpath=$marks" 2>"$errors"); then
    fail "cannot list the cluster-scoped objects of the $ARC_RELEASE_NAME release: $(last_line)"
  fi
  for object in $(printf '%s\n' "$owned" | awk -v mine="$ARC_RELEASE_NAME/$ARC_RELEASE_NAMESPACE" '$2 == mine {print $1}'); do
    k delete "$object" --ignore-not-found >/dev/null 2>"$errors" || fail "cannot delete $object of the $ARC_RELEASE_NAME release: $(last_line)"
  done
  if ! k delete secrets --namespace "$ARC_RELEASE_NAMESPACE" -l "owner=helm,name=$ARC_RELEASE_NAME" >/dev/null 2>"$errors"; then
    fail "cannot delete the $ARC_RELEASE_NAME release's records in $ARC_RELEASE_NAMESPACE: $(last_line)"
  fi
  say "release $ARC_RELEASE_NAME: uninstalled without its hooks (agents.forceDelete); the cleanup step removes its namespaces and CRDs"
fi
