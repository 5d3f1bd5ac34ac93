# arc-onboarding gateway unlink: when `gateway.resourceId` is removed or the stack destroyed, clear the
# cluster's gateway association as `az connectedk8s update --disable-gateway` does: a PUT of
# `Microsoft.HybridCompute/settings/default` with a null gatewayResourceId (connectedk8s custom.py
# update_connected_cluster -> _utils.py update_gateway_cluster_link, azure-cli-extensions @ 0b4bb2eb).
# The settings type has Get, Put and Patch but no DELETE (swagger 2025-02-19-preview), so the
# association is a Command whose delete step is this.
#
# Run as `/bin/sh -c "$(this file)"` as the delete step of the `<cluster>-gateway-link` Command
# (components/gateway.py). Environment, stored at its last create or update
# (components/scripts/__init__.py, gateway_unlink_environment):
#   ARC_SUBSCRIPTION (a GUID), ARC_RESOURCE_GROUP, ARC_CLUSTER_NAME, ARC_API_VERSION.
# A connected cluster already gone (deleted elsewhere) has no association left: nothing to do.
# shellcheck shell=sh
set -euf
say() { printf 'arc-onboarding gateway unlink: %s\n' "$*" >&2; }
case $ARC_SUBSCRIPTION in
  *[!0-9A-Fa-f-]* | '')
    say "the subscription id is not a GUID; nothing changed"
    exit 2 ;;
esac
# Temporary files in a directory of our own (mode 0700), never loose in $TMPDIR; removed on a
# signal too (dash runs no EXIT trap then), with 128 + the signal.
work=$(mktemp -d)
errors=$work/errors
# shellcheck disable=SC2329 # invoked by the traps below
# @include exit_traps.sh
settings="/subscriptions/$ARC_SUBSCRIPTION/resourceGroups/$ARC_RESOURCE_GROUP/providers/Microsoft.Kubernetes/connectedClusters/$ARC_CLUSTER_NAME/providers/Microsoft.HybridCompute/settings/default?api-version=$ARC_API_VERSION"
if az rest --method put --url "$settings" --body '{"properties":{"gatewayProperties":{"gatewayResourceId":null}}}' \
    --output none 2>"$errors"; then
  say "connected cluster $ARC_CLUSTER_NAME: gateway association cleared"
  exit 0
fi
if grep -q -e ResourceNotFound -e ResourceGroupNotFound -e ParentResourceNotFound "$errors"; then
  say "connected cluster $ARC_CLUSTER_NAME is gone: no gateway association to clear"
  exit 0
fi
say "clearing the gateway association of $ARC_CLUSTER_NAME failed: $(tail -n 1 "$errors" | tr -d '\000-\037\177')"
exit 1
