# arc-onboarding custom locations: the object id of the Custom Locations RP's service principal, looked
# up in Microsoft Graph where Pulumi runs, as `az connectedk8s connect` does (custom.py ~4400: the
# service principal of app id bc313c14-388c-4e7d-a58e-70017303ee3b). Printed on stdout, nothing else.
#
# Run as `/bin/sh -c "$(this file)"` by the `<cluster>-custom-locations-oid` Command
# (components/arc_cluster.py). Environment (components/scripts/__init__.py, custom_locations_environment):
#   ARC_CUSTOM_LOCATIONS_APP_ID
# Unlike the CLI, which only warns and leaves custom locations off, a failure stops: the stack asked
# for them (features.customLocations), and giving the id skips this lookup.
# shellcheck shell=sh
set -eu
hint="set features.customLocationsOid to the object id instead (\`az ad sp show --id $ARC_CUSTOM_LOCATIONS_APP_ID --query id -o tsv\` by someone who may read applications)"
if ! oid=$(az ad sp show --id "$ARC_CUSTOM_LOCATIONS_APP_ID" --query id --output tsv); then
  echo "arc-onboarding: features.customLocations: the Custom Locations RP's object id could not be looked up (needs Application.Read.All in Microsoft Graph); $hint" >&2
  exit 1
fi
case $oid in
  ????????-????-????-????-????????????) printf '%s' "$oid" ;;
  *)
    echo "arc-onboarding: features.customLocations: the lookup returned no object id; $hint" >&2
    exit 1 ;;
esac
