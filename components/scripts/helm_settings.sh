# arc-onboarding helm settings: ask the Arc config data plane for the agents' Helm values, as
# `az connectedk8s connect` does since 1.10 (azure-cli-extensions @ 0b4bb2eb, connectedk8s _utils.py
# health_check_dp, get_helm_values, send_request_with_retries; custom.py create_connectedk8s): a POST
# of healthCheck, then a POST of the connected cluster (proxy values only as redacted:<feature>:<setting>
# placeholders) to GetHelmSettings, both with the ARM identity's token (`az rest --resource`).
#
# Prints one JSON object on stdout, which components/data_plane.py parse_answer reads:
#   {"source":"dataPlane","answer":<GetHelmSettings' JSON>}, or
#   {"source":"fallback","reason":"..."} when healthCheck does not answer (offline, blocked, not
#   logged in): the release then keeps the explicit set, and the program warns. Unlike the CLI,
#   which fails there, the onboarding goes on. GetHelmSettings failing after a healthy healthCheck
#   fails the step, as it fails the CLI.
#
# Run as `/bin/sh -c "$(this file)"` as the create and update steps of the `<cluster>-helm-settings`
# Command (components/arc_cluster.py). Environment (components/scripts/__init__.py,
# helm_settings_environment):
#   ARC_HEALTH_CHECK_URL, ARC_HELM_SETTINGS_URL, ARC_AAD_RESOURCE (the cloud's ARM token audience),
#   ARC_DP_BODY (the request's JSON, no secret in it);
#   ARC_DP_ATTEMPTS (default 5) and ARC_DP_RETRY_SECONDS (default 3), the CLI's retries; tests set 0.
# shellcheck shell=sh
set -euf
say() { printf 'arc-onboarding helm settings: %s\n' "$*" >&2; }
attempts=${ARC_DP_ATTEMPTS:-5}
pause=${ARC_DP_RETRY_SECONDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# post URL [--body BODY]: the POST, retried as the CLI's send_request_with_retries; its answer in $work/out.
post() {
  url=$1
  shift
  try=1
  until az rest --method post --url "$url" --resource "$ARC_AAD_RESOURCE" "$@" --output json \
      >"$work/out" 2>"$work/err"; do
    [ "$try" -ge "$attempts" ] && return 1
    try=$((try + 1))
    sleep "$pause"
  done
}
# The last line of az's error, as a JSON string's content (no quote, backslash or control character).
reason() { tail -n 1 "$work/err" | tr -d '\042\134' | tr -c '[:print:]' ' '; }
if ! post "$ARC_HEALTH_CHECK_URL"; then
  why="healthCheck failed: $(reason)"
  say "the data plane did not answer ($why); the agents get the explicit set of values"
  printf '{"source":"fallback","reason":"%s"}\n' "$why"
  exit 0
fi
if ! post "$ARC_HELM_SETTINGS_URL" --body "$ARC_DP_BODY"; then
  say "GetHelmSettings failed: $(reason)"
  exit 1
fi
if [ ! -s "$work/out" ]; then
  say "GetHelmSettings answered nothing"
  exit 1
fi
printf '{"source":"dataPlane","answer":%s}\n' "$(cat "$work/out")"
say "values from the data plane"
