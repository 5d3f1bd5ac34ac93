# arc-onboarding verify: poll ARM until the connected cluster's connectivityStatus is Connected;
# fail after the timeout, naming the last status seen (a loop rather than `az resource wait
# --custom`, which cannot say what it saw). With ARC_WAIT_AGENT_STATE=true (the OIDC issuer or
# workload identity on) it then waits for properties.arcAgentProfile.agentState as the CLI's
# poll_for_agent_state does (azure-cli-extensions @ 0b4bb2eb, connectedk8s custom.py; connectedk8s.md
# §4): Succeeded, or no state at all, is done; Failed is an error; anything else is waited for.
#
# Run as `/bin/sh -c "$(this file)"` by the `<cluster>-verify` Command (components/arc_cluster.py).
# Its values arrive in the environment (components/scripts/__init__.py, verify_environment):
#   ARC_RESOURCE_GROUP, ARC_CLUSTER_NAME, ARC_SUBSCRIPTION, ARC_TIMEOUT_SECONDS, ARC_AGENT_NAMESPACE;
#   ARC_WAIT_AGENT_STATE (optional, true); ARC_VERIFY_INTERVAL_SECONDS (default 10; tests set 0).
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
# read_property PATH: the cluster's property (after `properties.`), or fails with az's error in $errors.
read_property() {
  az resource show --resource-group "$group" --name "$cluster" \
    --resource-type Microsoft.Kubernetes/connectedClusters --subscription "$subscription" \
    --query "properties.$1" --output tsv 2>"$errors"
}
# settled PROPERTY VALUE: 0 when the wait for PROPERTY is over; a Failed agent state fails the step.
settled() {
  case $1:$2 in
    connectivityStatus:Connected)
      echo "arc-onboarding: connected cluster $cluster in group $group is Connected" ;;
    arcAgentProfile.agentState:Succeeded | arcAgentProfile.agentState:)
      echo "arc-onboarding: connected cluster $cluster: agent state ${2:-not reported}" ;;
    arcAgentProfile.agentState:Failed)
      echo "arc-onboarding: connected cluster $cluster in group $group: arcAgentProfile.agentState is Failed (the OIDC issuer or workload identity could not be set up). Look at the agents: kubectl -n $namespace get pods, and the cluster's arcAgentProfile.agentErrors" >&2
      exit 1 ;;
    *) return 1 ;;
  esac
}
# poll PROPERTY NOT-YET WHAT: read PROPERTY until settled; after the timeout fail, naming the last value seen.
poll() {
  last='none yet'
  while :; do
    if value=$(read_property "$1"); then
      last=${value:-none}
      if settled "$1" "$value"; then return 0; fi
    else
      last="unknown (az resource show failed: $(tail -n 1 "$errors"))"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "arc-onboarding: connected cluster $cluster in group $group $2 after $timeout s (agents.timeoutSeconds); last $3 seen: $last. Look at the agents: kubectl -n $namespace get pods" >&2
      exit 1
    fi
    sleep "$interval"
  done
}
poll connectivityStatus 'is not Connected' status
if [ "${ARC_WAIT_AGENT_STATE:-}" = true ]; then
  poll arcAgentProfile.agentState 'has no arcAgentProfile.agentState Succeeded' state
fi
