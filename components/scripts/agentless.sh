# arc-onboarding agentless listing: which connected clusters in the stack's resource groups the
# multicloud connector created in ARM without agents (connectivityStatus AgentNotInstalled). The CLI
# treats such a resource as absent and its connect converts it (custom.py connected_cluster_exists,
# 1.11.2+, and create_connectedk8s, azure-cli-extensions @ 0b4bb2eb); so does the program
# (components/conversion.py).
#
# Run on every preview and up, before the clusters' pre-write checks, as the synchronous
# `command:local:run` invoke of components/precheck.py: a conversion changes how the connected
# cluster is declared (an `import` option), so the program must know it while it runs. One listing
# per group (ARM's connectedClusters List by resource group, each page's nextLink followed), not one
# call per cluster, so that the per-cluster checks can run at the same time. Read-only.
# Environment (components/scripts/__init__.py, agentless_environment): ARC_SUBSCRIPTION,
# ARC_RESOURCE_GROUPS (space-separated: a group name has no spaces), ARC_API_VERSION.
# Answers on stdout, one line each, and exits 0 (a non-zero exit is a crash of the listing):
#   `agentless: ID` such a connected cluster's ARM id, as ARM spells it;
#   `stop: TEXT`    a group's clusters cannot be read (the program fails the run with TEXT).
# shellcheck shell=sh
set -euf
work=$(mktemp -d)
errors=$work/errors
# @include exit_traps.sh
# One page: the next page's link first (an empty line on the last page), then the ids, one a line.
query="[nextLink || '', value[?properties.connectivityStatus=='AgentNotInstalled'].id][]"
for group in $ARC_RESOURCE_GROUPS; do
  url="/subscriptions/$ARC_SUBSCRIPTION/resourceGroups/$group/providers/Microsoft.Kubernetes/connectedClusters?api-version=$ARC_API_VERSION"
  while [ -n "$url" ]; do
    if ! page=$(az rest --method get --url "$url" --query "$query" --output tsv 2>"$errors"); then
      # A group this stack has yet to create holds no cluster; nor does a subscription not yet
      # registered for Microsoft.Kubernetes (its first `up` registers it after this listing).
      if grep -q -e ResourceGroupNotFound -e MissingSubscriptionRegistration "$errors"; then break; fi
      printf 'stop: cannot list the connected clusters of group %s in Azure (az rest: %s); check the login and its read access to the group\n' \
        "$group" "$(tail -n 1 "$errors" | tr -d '\000-\037\177')"
      exit 0
    fi
    url=$(printf '%s\n' "$page" | sed -n 1p)
    printf '%s\n' "$page" | sed -n '2,$s/^\(.\)/agentless: \1/p'
  done
done
