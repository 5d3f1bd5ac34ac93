# arc-onboarding verify: poll ARM until the connected cluster's connectivityStatus is Connected;
# fail after the timeout, naming the last status seen (a loop rather than `az resource wait
# --custom`, which cannot say what it saw).
#
# Run as `/bin/sh -c "$(this file)"` by the `<cluster>-verify` Command (components/arc_cluster.py).
# Its values arrive in the environment (components/scripts/__init__.py, verify_environment):
#   ARC_RESOURCE_GROUP, ARC_CLUSTER_NAME, ARC_SUBSCRIPTION, ARC_TIMEOUT_SECONDS, ARC_AGENT_NAMESPACE;
#   ARC_VERIFY_INTERVAL_SECONDS (default 10; tests set 0).
# shellcheck shell=sh
set -eu
group=$ARC_RESOURCE_GROUP
cluster=$ARC_CLUSTER_NAME
subscription=$ARC_SUBSCRIPTION
timeout=$ARC_TIMEOUT_SECONDS
namespace=$ARC_AGENT_NAMESPACE
interval=${ARC_VERIFY_INTERVAL_SECONDS:-10}
# Temporary files in a directory of our own (mode 0700), never loose in $TMPDIR.
work=$(mktemp -d)
errors=$work/errors
trap 'rm -rf "$work"' EXIT
deadline=$(( $(date +%s) + timeout ))
last='none yet'
while :; do
  if status=$(az resource show --resource-group "$group" --name "$cluster" \
      --resource-type Microsoft.Kubernetes/connectedClusters --subscription "$subscription" \
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
    echo "arc-onboarding: connected cluster $cluster in group $group is not Connected after $timeout s (agents.timeoutSeconds); last status seen: $last. Look at the agents: kubectl -n $namespace get pods" >&2
    exit 1
  fi
  sleep "$interval"
done
