# arc-onboarding cleanup: what `az connectedk8s delete` leaves to `--force`: the Arc CRDs
# (finalizers removed when they block) and the agents' namespaces. Runs after helm has uninstalled
# the agents and never fails the destroy: an unreachable cluster (deleted, or down) and anything
# stuck are logged and skipped.
#
# Run as `/bin/sh -c "$(this file)"` as the delete step of the `<cluster>-cleanup` Command
# (components/arc_cluster.py), with the environment stored at its last create or update
# (components/scripts/__init__.py, cleanup_environment):
#   ARC_CRDS, ARC_NAMESPACES: space-separated names;
#   ARC_KUBECONFIG (kubeconfig contents) and ARC_KUBE_CONTEXT, both optional: without them kubectl
#   uses its defaults ($KUBECONFIG, or the pod's service account).
# Everything it prints goes to stderr (the Command logs stderr only).
# shellcheck shell=sh
# -f: the lists are split on spaces, never expanded as file name patterns.
set -euf
# The CLI's own bounds: 20 s per CRD, 180 s for the agents' namespace; 20 s for the reachability probe.
crd_timeout=20s
namespace_timeout=180s
probe_timeout=20s
say() { printf 'arc-onboarding cleanup: %s\n' "$*" >&2; }

# Temporary files in a directory of our own (mode 0700), never loose in $TMPDIR.
work=$(mktemp -d)
kubeconfig=
child=
# dash runs no EXIT trap when a signal kills it: the directory is removed on SIGHUP, SIGINT and
# SIGTERM too, and the script exits as the signal would have (128 + number).
quit() {
  trap - EXIT HUP INT TERM
  if [ -n "$child" ]; then kill "$child" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$1"
}
trap 'quit $?' EXIT
trap 'quit 129' HUP
trap 'quit 130' INT
trap 'quit 143' TERM
if [ -n "${ARC_KUBECONFIG:-}" ]; then
  umask 077
  printf '%s\n' "$ARC_KUBECONFIG" >"$work/kubeconfig"
  # On Linux kubectl reads it as /dev/fd/3 of a file already unlinked: no signal, not even SIGKILL
  # (what Go's exec.CommandContext sends), leaves the credentials on disk. Elsewhere /dev/fd/N
  # shares one read offset between its readers and kubectl reads the file more than once: there
  # the file stays in the private directory until the script ends.
  kubeconfig=$work/kubeconfig
  if [ "$(uname -s)" = Linux ]; then
    exec 3<"$kubeconfig"
    rm -f "$kubeconfig"
    kubeconfig=/dev/fd/3
  fi
fi

# kubectl in the background, waited for: a shell waiting for a foreground command runs its traps
# only once the command ends, `wait` returns as soon as a trapped signal arrives.
k() {
  if [ -n "${ARC_KUBE_CONTEXT:-}" ]; then set -- --context "$ARC_KUBE_CONTEXT" "$@"; fi
  if [ -n "$kubeconfig" ]; then set -- --kubeconfig "$kubeconfig" "$@"; fi
  kubectl "$@" &
  child=$!
  wait "$child"
}

shown=
for namespace in $ARC_NAMESPACES; do shown="${shown:+$shown, }$namespace"; done
if ! k --request-timeout="$probe_timeout" get --raw /version >/dev/null; then
  say "cluster not reachable with the stored kubeconfig (kubectl's error above): skipped deleting the Arc CRDs and namespaces $shown; nothing is left if the cluster is gone, else delete them by hand"
  exit 0
fi
for crd in $ARC_CRDS; do
  if k delete customresourcedefinition "$crd" --ignore-not-found --wait=true --timeout="$crd_timeout" >/dev/null; then
    say "crd $crd: gone"
  elif k patch customresourcedefinition "$crd" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null; then
    say "crd $crd: deletion was blocked; removed its finalizers"
  else
    say "crd $crd: not deleted (kubectl's error above); skipped"
  fi
done
for namespace in $ARC_NAMESPACES; do
  if k delete namespace "$namespace" --ignore-not-found --wait=true --timeout="$namespace_timeout" >/dev/null; then
    say "namespace $namespace: gone"
  else
    say "namespace $namespace: not deleted within $namespace_timeout (kubectl's error above); skipped"
  fi
done
