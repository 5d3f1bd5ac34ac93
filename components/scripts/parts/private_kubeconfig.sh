# Temporary files in a directory of our own (mode 0700), never loose in $TMPDIR.
work=$(mktemp -d)
errors=$work/errors
kubeconfig=
# dash runs no EXIT trap when a signal ends it: the directory goes on SIGHUP, SIGINT and SIGTERM
# too, once the kubectl call in flight returns, with 128 + the signal.
# @include exit_traps.sh
if [ -n "${ARC_KUBECONFIG:-}" ]; then
  umask 077
  printf '%s\n' "$ARC_KUBECONFIG" >"$work/kubeconfig"
  # As cleanup.sh: on Linux kubectl reads /dev/fd/3 of the file already unlinked (nothing left on
  # disk even after SIGKILL); elsewhere the file stays in the private directory until the end.
  kubeconfig=$work/kubeconfig
  if [ "$(uname -s)" = Linux ]; then
    exec 3<"$kubeconfig"
    rm -f "$kubeconfig"
    kubeconfig=/dev/fd/3
  fi
fi
