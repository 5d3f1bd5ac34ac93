# arc-onboarding gateway link: associate the connected cluster with its Arc gateway as
# `az connectedk8s connect --gateway-resource-id` does: a PUT of `Microsoft.HybridCompute/settings/default`
# at the cluster's scope with the gateway's id (connectedk8s custom.py create_connectedk8s ->
# _utils.py update_gateway_cluster_link, azure-cli-extensions @ 0b4bb2eb). A PUT, not azure-native's
# create: that refuses a setting that already exists, which it does once a gateway was ever
# associated (the type has no DELETE; gateway_unlink.sh PUTs a null id instead).
#
# Run as `/bin/sh -c "$(this file)"` as the create and update steps of the `<cluster>-gateway`
# Command (components/gateway.py). Environment (components/scripts/__init__.py, gateway_environment):
#   ARC_SUBSCRIPTION (a GUID), ARC_RESOURCE_GROUP, ARC_CLUSTER_NAME, ARC_API_VERSION, ARC_GATEWAY_ID.
# shellcheck shell=sh
set -euf
say() { printf 'arc-onboarding gateway link: %s\n' "$*" >&2; }
case $ARC_SUBSCRIPTION in
  *[!0-9A-Fa-f-]* | '')
    say "the subscription id is not a GUID; nothing changed"
    exit 2 ;;
esac
case $ARC_GATEWAY_ID in
  *[!A-Za-z0-9/._-]* | '')
    say "gateway.resourceId is not an ARM id; nothing changed"
    exit 2 ;;
esac
settings="/subscriptions/$ARC_SUBSCRIPTION/resourceGroups/$ARC_RESOURCE_GROUP/providers/Microsoft.Kubernetes/connectedClusters/$ARC_CLUSTER_NAME/providers/Microsoft.HybridCompute/settings/default?api-version=$ARC_API_VERSION"
az rest --method put --url "$settings" \
  --body "{\"properties\":{\"gatewayProperties\":{\"gatewayResourceId\":\"$ARC_GATEWAY_ID\"}}}" --output none
say "connected cluster $ARC_CLUSTER_NAME: associated with its gateway"
