# arc-onboarding group guard: refuse (exit 1) while the resource group holds anything but this
# stack's connected clusters, like Terraform's `prevent_deletion_if_contains_resources`.
#
# Run as `/bin/sh -c "$(this file)"` as the delete step of the `<group>-delete-guard` Command
# (components/onboarding.py): after the group's clusters are deleted (they may still be listed
# while ARM finishes) and before the group is. Environment, stored at its last create or update
# (components/scripts/__init__.py, group_guard_environment):
#   ARC_RESOURCE_GROUP, ARC_SUBSCRIPTION; ARC_OWN_CLUSTERS: the stack's cluster names in the group,
#   one per line; ARC_GROUP_ADOPTED=true while the stack only reads the group.
# shellcheck shell=sh
set -eu
group=$ARC_RESOURCE_GROUP
# Set while the stack adopts the group (createResourceGroup: false): then it is only read, never
# deleted, and removing this Command (destroy, or a switch back) must not check or block anything.
if [ "${ARC_GROUP_ADOPTED:-}" = true ]; then
  echo "arc-onboarding: resource group $group is adopted, never deleted by this stack: nothing to guard"
  exit 0
fi
subscription=$ARC_SUBSCRIPTION
own=$(printf '%s\n' "$ARC_OWN_CLUSTERS" | tr '[:upper:]' '[:lower:]')
# Temporary files in a directory of our own (mode 0700), never loose in $TMPDIR.
work=$(mktemp -d)
errors=$work/errors
trap 'rm -rf "$work"' EXIT
if ! listing=$(az resource list --resource-group "$group" --subscription "$subscription" \
    --query '[].[type, name]' --output tsv 2>"$errors"); then
  if grep -q ResourceGroupNotFound "$errors"; then
    echo "arc-onboarding: resource group $group is already gone"
    exit 0
  fi
  echo "arc-onboarding: resource group $group is not deleted: its resources cannot be listed: $(tail -n 1 "$errors")" >&2
  exit 1
fi
ours() {
  # ARM compares types and names case-insensitively.
  [ "$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')" = microsoft.kubernetes/connectedclusters ] &&
    printf '%s\n' "$own" | grep -Fxq -- "$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]')"
}
tab=$(printf '\t')
foreign=
while IFS=$tab read -r type name; do
  [ -n "$type" ] || continue
  if ! ours "$type" "$name"; then
    foreign="$foreign
  - $type/$name"
  fi
done <<LISTING
$listing
LISTING
if [ -n "$foreign" ]; then
  echo "arc-onboarding: resource group $group is not deleted: it holds resources this stack did not create:$foreign
Delete or move them, then run pulumi destroy again; or keep the group: pulumi state delete --target-dependents GROUP_URN (pulumi stack --show-urns lists it)" >&2
  exit 1
fi
echo "arc-onboarding: resource group $group holds nothing but this stack's resources"
