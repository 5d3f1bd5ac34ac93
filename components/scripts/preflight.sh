# arc-onboarding preflight: can this cluster reach what the Arc agents need?
#
# Runs as `bash -c "$(this file)" arc-preflight HOST:PORT...` in the preflight Job (components/preflight.py).
# Checks cluster DNS, the proxy host's DNS, and one HTTPS request per endpoint through the same proxy
# variables (HTTPS_PROXY, NO_PROXY...) and CA the agents get. Any HTTP answer over verified TLS counts
# as reachable; a refused CONNECT, a timeout, a TLS failure or a name that does not resolve does not.
#
# The summary goes to the termination message (/dev/termination-log, at most 4096 bytes):
# the kubernetes provider quotes it in the Pod's error when the Job fails, so `pulumi up` prints it.
#
# The ARC_PREFLIGHT_* variables come from the Job's settings Secret; the paths have defaults so that
# tests can run this script outside a Pod.
#
# Proxy credentials never reach curl in a URL (curl quotes a proxy URL it cannot parse, whole, in its
# error) nor on its command line (visible in ps): the proxy URLs come without them, and
# ARC_PREFLIGHT_PROXY_USER (`user:password`, decoded) goes to curl as `proxy-user` in a config read
# from its standard input. Whatever curl says anyway, every line this script prints or writes to the
# termination message goes through `redact`: the forms listed in ARC_PREFLIGHT_REDACT (one a line)
# and any URL's `user:password@` are blanked out.
# shellcheck shell=bash
set -u

proxy_shown="${ARC_PREFLIGHT_PROXY:-none (direct connections)}"
ca_file="${ARC_PREFLIGHT_CA_FILE:-/etc/arc-preflight/ca/proxy-ca.crt}"
termination_log="${ARC_PREFLIGHT_TERMINATION_LOG:-/dev/termination-log}"
cluster_dns_name="${ARC_PREFLIGHT_CLUSTER_NAME:-kubernetes.default.svc}"
work="${TMPDIR:-/tmp}/arc-preflight"
mkdir -p "$work"
failures=()

redactions=()
while IFS= read -r secret; do
  if [ -n "$secret" ]; then redactions+=("$secret"); fi
done <<<"${ARC_PREFLIGHT_REDACT:-}"
curl_config=""
if [ -n "${ARC_PREFLIGHT_PROXY_USER:-}" ]; then
  # A quoted value in curl's config syntax: backslash escapes.
  quoted=${ARC_PREFLIGHT_PROXY_USER//\\/\\\\}
  quoted=${quoted//\"/\\\"}
  quoted=${quoted//$'\n'/\\n}
  quoted=${quoted//$'\r'/\\r}
  quoted=${quoted//$'\t'/\\t}
  curl_config="proxy-user = \"$quoted\""
  redactions+=("$ARC_PREFLIGHT_PROXY_USER" "$quoted")
fi

redact() {
  local text=$1 clean="" secret
  for secret in ${redactions[@]+"${redactions[@]}"}; do text=${text//"$secret"/[redacted]}; done
  # Any URL's userinfo, up to the last @ before the path.
  while [[ $text =~ ([A-Za-z][A-Za-z0-9+.-]*://)[^/[:space:]]*@ ]]; do
    clean+="${text%%"${BASH_REMATCH[0]}"*}${BASH_REMATCH[1]}[redacted]@"
    text=${text#*"${BASH_REMATCH[0]}"}
  done
  printf '%s' "$clean$text"
}

say() { printf '%s\n' "$(redact "$*")"; }

tls_args=()
if [ -f "$ca_file" ]; then
  # The proxy's CA in addition to the public roots: hosts the proxy does not inspect keep public certs.
  bundle="$work/ca-bundle.pem"
  : >"$bundle"
  for roots in /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/certs/ca-certificates.crt \
      /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem /etc/ssl/cert.pem; do
    if [ -f "$roots" ]; then cat "$roots" >>"$bundle"; break; fi
  done
  cat "$ca_file" >>"$bundle"
  tls_args=(--cacert "$bundle" --proxy-cacert "$bundle")
fi

if command -v getent >/dev/null 2>&1; then
  if ! getent hosts "$cluster_dns_name" >/dev/null 2>&1; then
    failures+=("DNS: $cluster_dns_name does not resolve: cluster DNS is not answering this pod")
  fi
  if [ -n "${ARC_PREFLIGHT_PROXY_HOST:-}" ] && ! getent hosts "$ARC_PREFLIGHT_PROXY_HOST" >/dev/null 2>&1; then
    failures+=("DNS: the proxy host $ARC_PREFLIGHT_PROXY_HOST does not resolve")
  fi
else
  say "getent is not in this image: DNS checks skipped (curl still reports names it cannot resolve)"
fi

probe() {
  local index=$1 target=$2 err rc line reason=""
  err=$(printf '%s\n' "$curl_config" | curl -K - -sS -o /dev/null --connect-timeout 10 --max-time 25 \
    --retry 1 --retry-delay 2 ${tls_args[@]+"${tls_args[@]}"} "https://$target/" 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo ok >"$work/$index"
    return
  fi
  # curl's one-line reason, e.g. "(56) CONNECT tunnel failed, response 403"; TLS errors add help text.
  while IFS= read -r line; do
    case "$line" in "curl: ("*) reason="${line#curl: }"; break ;; esac
  done <<<"$err"
  say "${reason:-curl exit code $rc}" >"$work/$index"
}

index=0
for target in "$@"; do
  probe "$index" "$target" &
  index=$((index + 1))
done
wait

index=0
for target in "$@"; do
  outcome="no result"
  [ -s "$work/$index" ] && read -r outcome <"$work/$index"
  if [ "$outcome" = ok ]; then
    say "ok      $target"
  else
    say "FAILED  $target: $outcome"
    failures+=("$target: $outcome")
  fi
  index=$((index + 1))
done

ca_shown=""
[ -f "$ca_file" ] && ca_shown="; CA: proxy.caCertFile"
if [ "${#failures[@]}" -eq 0 ]; then
  summary=$(redact "arc-preflight: all $# endpoints reachable; proxy: $proxy_shown$ca_shown")
  echo "$summary"
  printf '%s\n' "$summary" >"$termination_log" 2>/dev/null
  exit 0
fi

summary="arc-preflight: ${#failures[@]} check(s) failed; proxy: $proxy_shown$ca_shown"
for failure in "${failures[@]}"; do summary+=$'\n'"- $failure"; done
summary+=$'\n'"Open these in the firewall and proxy (websockets for *.servicebus hosts), then run pulumi up again."
summary=$(redact "$summary")
echo "$summary"
if [ "${#summary}" -gt 3900 ]; then
  summary="${summary:0:3800}"$'\n'"... (truncated: the Pod's log has every line)"
fi
printf '%s\n' "$summary" >"$termination_log" 2>/dev/null
exit 1
