# arc-onboarding provider registration: `az provider register --wait` for one namespace; never
# undone (the Command has no delete step). azure-native has no resource for this.
#
# Run as `/bin/sh -c "$(this file)"` by the `register-<namespace>` Commands (components/onboarding.py).
# Environment (components/scripts/__init__.py, register_environment):
#   ARC_PROVIDER_NAMESPACE, ARC_SUBSCRIPTION (a GUID; the program checked it, and so does this).
# shellcheck shell=sh
set -eu
case $ARC_SUBSCRIPTION in
  *[!0-9A-Fa-f-]* | '')
    echo "arc-onboarding: the subscription id (azure-native:subscriptionId) is not a GUID; nothing registered" >&2
    exit 2 ;;
esac
az provider register --namespace "$ARC_PROVIDER_NAMESPACE" --subscription "$ARC_SUBSCRIPTION" --wait
