"""The shell scripts of the lifecycle commands, built by pure functions so tests can read and run them.

Each is POSIX sh run as `/bin/sh -c SCRIPT` by a `command.local.Command` where Pulumi runs, with
`az` and `kubectl` from PATH. Values are embedded with `shlex.quote`; secrets never are: they
arrive in the command's (secret) environment and are never printed.
"""

from __future__ import annotations

import shlex
from typing import Sequence

# The Commands' interpreter, explicit so a machine without a POSIX shell fails plainly instead of
# feeding these scripts to another shell.
INTERPRETER = ("/bin/sh", "-c")

CONNECTED_CLUSTER_TYPE = "Microsoft.Kubernetes/connectedClusters"
VERIFY_INTERVAL_SECONDS = 10
# The CRDs `az connectedk8s delete --force` removes (connectedk8s.md §7), before the cloud suffix.
ARC_CRDS = (
    "arccertificates.clusterconfig.azure",
    "azureclusteridentityrequests.clusterconfig.azure",
    "azureextensionidentities.clusterconfig.azure",
    "connectedclusters.arc.azure",
    "customlocationsettings.clusterconfig.azure",
    "extensionconfigs.clusterconfig.azure",
    "gitconfigs.clusterconfig.azure",
)
# The CLI's own bounds: 20 s per CRD, 180 s for the agents' namespace.
CRD_DELETE_TIMEOUT = "20s"
NAMESPACE_DELETE_TIMEOUT = "180s"
# Only the reachability probe is bounded this way: `kubectl delete --wait` has its own timeout.
PROBE_TIMEOUT = "20s"

q = shlex.quote


def verify_script(
    *,
    resource_group: str,
    cluster_name: str,
    subscription: str,
    timeout_seconds: int,
    agent_namespace: str,
    interval_seconds: int = VERIFY_INTERVAL_SECONDS,
) -> str:
    """Poll ARM until the cluster's connectivityStatus is Connected; fail after the timeout.

    A loop rather than `az resource wait --custom`, so the failure names the last status seen.
    """
    return f"""set -eu
group={q(resource_group)}
cluster={q(cluster_name)}
subscription={q(subscription)}
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
deadline=$(( $(date +%s) + {int(timeout_seconds)} ))
last='none yet'
while :; do
  if status=$(az resource show --resource-group "$group" --name "$cluster" \\
      --resource-type {CONNECTED_CLUSTER_TYPE} --subscription "$subscription" \\
      --query properties.connectivityStatus --output tsv 2>"$errors"); then
    last=$status
    if [ "$status" = Connected ]; then
      echo "arc-onboarding: connected cluster $cluster in group $group is Connected"
      exit 0
    fi
  else
    last="unknown (az resource show failed: $(tail -n 1 "$errors"))"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "arc-onboarding: connected cluster $cluster in group $group is not Connected after {int(timeout_seconds)} s (agents.timeoutSeconds); last status seen: $last. Look at the agents: kubectl -n {agent_namespace} get pods" >&2
    exit 1
  fi
  sleep {int(interval_seconds)}
done
"""


def cleanup_script(*, crd_suffix: str, namespaces: Sequence[str]) -> str:
    """What `az connectedk8s delete` leaves to `--force`: Arc CRDs (finalizers removed when they
    block) and the agents' namespaces. Runs after the release is uninstalled; never fails the
    destroy: an unreachable cluster (deleted, or down) and anything stuck are logged and skipped.

    Environment: `ARC_KUBECONFIG` (kubeconfig contents), `ARC_KUBE_CONTEXT`; without them kubectl
    uses its defaults (`$KUBECONFIG`, or the pod's service account).
    """
    crds = " ".join(q(f"{crd}.{crd_suffix}") for crd in ARC_CRDS)
    names = " ".join(q(ns) for ns in namespaces)
    shown = ", ".join(namespaces)
    return f"""set -eu
say() {{ printf 'arc-onboarding cleanup: %s\\n' "$*" >&2; }}
kubeconfig=
if [ -n "${{ARC_KUBECONFIG:-}}" ]; then
  umask 077
  kubeconfig=$(mktemp)
  trap 'rm -f "$kubeconfig"' EXIT
  printf '%s\\n' "$ARC_KUBECONFIG" >"$kubeconfig"
fi
k() {{
  if [ -n "${{ARC_KUBE_CONTEXT:-}}" ]; then set -- --context "$ARC_KUBE_CONTEXT" "$@"; fi
  if [ -n "$kubeconfig" ]; then set -- --kubeconfig "$kubeconfig" "$@"; fi
  kubectl "$@"
}}
if ! k --request-timeout={PROBE_TIMEOUT} get --raw /version >/dev/null; then
  say "cluster not reachable with the stored kubeconfig (kubectl's error above): skipped deleting the Arc CRDs and namespaces {shown}; nothing is left if the cluster is gone, else delete them by hand"
  exit 0
fi
for crd in {crds}; do
  if k delete customresourcedefinition "$crd" --ignore-not-found --wait=true --timeout={CRD_DELETE_TIMEOUT} >/dev/null; then
    say "crd $crd: gone"
  elif k patch customresourcedefinition "$crd" --type=merge -p '{{"metadata":{{"finalizers":null}}}}' >/dev/null; then
    say "crd $crd: deletion was blocked; removed its finalizers"
  else
    say "crd $crd: not deleted (kubectl's error above); skipped"
  fi
done
for namespace in {names}; do
  if k delete namespace "$namespace" --ignore-not-found --wait=true --timeout={NAMESPACE_DELETE_TIMEOUT} >/dev/null; then
    say "namespace $namespace: gone"
  else
    say "namespace $namespace: not deleted within {NAMESPACE_DELETE_TIMEOUT} (kubectl's error above); skipped"
  fi
done
"""


def group_guard_script(*, resource_group: str, subscription: str, own_clusters: Sequence[str]) -> str:
    """Refuse (exit 1) while the group holds anything but this stack's connected clusters.

    Like Terraform's `prevent_deletion_if_contains_resources`: runs after the clusters are deleted
    and before the group is; the clusters may still be listed while ARM finishes deleting them.
    """
    if not own_clusters:
        raise ValueError("a group the stack creates holds at least one of its clusters")
    own = " | ".join(q(f"{CONNECTED_CLUSTER_TYPE}/{name}".lower()) for name in sorted(own_clusters))
    return f"""set -eu
group={q(resource_group)}
subscription={q(subscription)}
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if ! listing=$(az resource list --resource-group "$group" --subscription "$subscription" \\
    --query '[].[type, name]' --output tsv 2>"$errors"); then
  if grep -q ResourceGroupNotFound "$errors"; then
    echo "arc-onboarding: resource group $group is already gone"
    exit 0
  fi
  echo "arc-onboarding: resource group $group is not deleted: its resources cannot be listed: $(tail -n 1 "$errors")" >&2
  exit 1
fi
tab=$(printf '\\t')
foreign=
while IFS=$tab read -r type name; do
  [ -n "$type" ] || continue
  case $(printf '%s/%s' "$type" "$name" | tr '[:upper:]' '[:lower:]') in
    {own}) ;;
    *) foreign="$foreign
  - $type/$name" ;;
  esac
done <<EOF
$listing
EOF
if [ -n "$foreign" ]; then
  echo "arc-onboarding: resource group $group is not deleted: it holds resources this stack did not create:$foreign
Delete or move them, then run pulumi destroy again; or keep the group: pulumi state delete --target-dependents GROUP_URN (pulumi stack --show-urns lists it)" >&2
  exit 1
fi
echo "arc-onboarding: resource group $group holds nothing but this stack's resources"
"""
