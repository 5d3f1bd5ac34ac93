# arc-onboarding conversion: take over a connected cluster that the multicloud connector created in
# ARM without agents (connectivityStatus AgentNotInstalled), as `az connectedk8s connect` does: the
# CLI treats such a resource as absent (custom.py connected_cluster_exists, 1.11.2+) and its fresh
# onboarding PUTs the full body over it (create_connectedk8s -> generate_request_payload,
# create_cc_resource: begin_create_or_replace, waited for; azure-cli-extensions @ 0b4bb2eb).
# azure-native's create refuses an existing resource, so this PUT is the `<cluster>-convert`
# Command's create, and the connected cluster then imports what it wrote (components/conversion.py).
#
# Run as `/bin/sh -c "$(this file)"` once, at create. Environment (components/scripts/__init__.py,
# convert_environment): ARC_CLUSTER_ID (the connected cluster's ARM id), ARC_API_VERSION,
# ARC_CLUSTER_BODY (the PUT body as JSON: the connected cluster's own inputs), ARC_TIMEOUT_SECONDS;
# ARC_POLL_INTERVAL_SECONDS (default 5; tests set 0).
# shellcheck shell=sh
set -euf
say() { printf 'arc-onboarding conversion: %s\n' "$*" >&2; }
case $ARC_CLUSTER_ID in
  /subscriptions/*/providers/Microsoft.Kubernetes/connectedClusters/*) ;;
  *)
    say "not a connected cluster's ARM id; nothing changed"
    exit 2 ;;
esac
case $ARC_CLUSTER_ID in
  *[!A-Za-z0-9/._\(\)-]*)
    say "not a connected cluster's ARM id; nothing changed"
    exit 2 ;;
esac
state() { az resource show --ids "$ARC_CLUSTER_ID" --query "properties.$1" --output tsv; }

# Still the connector's, untouched since the pre-write check: anything else is not this step's to
# overwrite (another onboarding may have converted it in between).
if ! status=$(state connectivityStatus); then
  say "cannot read connected cluster $ARC_CLUSTER_ID; nothing changed"
  exit 1
fi
if [ "$status" != AgentNotInstalled ]; then
  say "connected cluster $ARC_CLUSTER_ID is $status now, no longer AgentNotInstalled: another onboarding took it over since the pre-write check; nothing changed. Run pulumi up again: the check then says whose it is"
  exit 1
fi
az rest --method put --url "$ARC_CLUSTER_ID?api-version=$ARC_API_VERSION" --body "$ARC_CLUSTER_BODY" --output none
# The PUT is a long-running operation; the CLI waits for its end (LongRunningOperation).
waited=0
while :; do
  provisioning=$(state provisioningState || true)
  case $provisioning in
    Succeeded)
      say "connected cluster $ARC_CLUSTER_ID: converted (this stack's key and body), agents next"
      exit 0 ;;
    Failed | Canceled)
      say "connected cluster $ARC_CLUSTER_ID: the conversion PUT ended $provisioning"
      exit 1 ;;
  esac
  if [ "$waited" -ge "$ARC_TIMEOUT_SECONDS" ]; then
    say "connected cluster $ARC_CLUSTER_ID: still ${provisioning:-unknown} after ${ARC_TIMEOUT_SECONDS}s"
    exit 1
  fi
  interval=${ARC_POLL_INTERVAL_SECONDS:-5}
  sleep "$interval"
  waited=$((waited + (interval > 0 ? interval : 1)))
done
