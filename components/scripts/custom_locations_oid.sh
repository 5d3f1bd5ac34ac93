# arc-onboarding custom locations: the object id of the Custom Locations RP's service principal, looked
# up in Microsoft Graph where Pulumi runs, as `az connectedk8s connect` does (custom.py
# get_custom_locations_oid, azure-cli-extensions @ 0b4bb2eb: the service principal of app id
# bc313c14-388c-4e7d-a58e-70017303ee3b). Printed on stdout, nothing else.
#
# Run as `/bin/sh -c "$(this file)"` by the `<cluster>-custom-locations-oid` Command
# (components/arc_cluster.py). Environment (components/scripts/__init__.py, custom_locations_environment):
#   ARC_CUSTOM_LOCATIONS_APP_ID; ARC_CUSTOM_LOCATIONS_OID (features.customLocationsOid), optional.
# As the CLI, the looked-up id wins over a given one (a different given one is noted), and the given
# one is used when the lookup fails. Unlike the CLI, which then only warns and leaves custom
# locations off, a failure without a given id stops: the stack asked for them.
# shellcheck shell=sh
set -eu
given=${ARC_CUSTOM_LOCATIONS_OID:-}
hint="set features.customLocationsOid to the object id instead (\`az ad sp show --id $ARC_CUSTOM_LOCATIONS_APP_ID --query id -o tsv\` by someone who may read applications)"
oid=$(az ad sp show --id "$ARC_CUSTOM_LOCATIONS_APP_ID" --query id --output tsv) || oid=
case $oid in
  ????????-????-????-????-????????????)
    if [ -n "$given" ] && [ "$given" != "$oid" ]; then
      echo "arc-onboarding: features.customLocationsOid differs from the object id looked up in Microsoft Graph; using the looked-up one, as az connectedk8s does" >&2
    fi
    printf '%s' "$oid" ;;
  *)
    if [ -n "$given" ]; then
      echo "arc-onboarding: features.customLocations: the object id could not be looked up (needs Application.Read.All in Microsoft Graph); using features.customLocationsOid unchecked" >&2
      printf '%s' "$given"
      exit 0
    fi
    echo "arc-onboarding: features.customLocations: the Custom Locations RP's object id could not be looked up (needs Application.Read.All in Microsoft Graph); $hint" >&2
    exit 1 ;;
esac
