# shellcheck shell=bash
# Sourced by tests/engine/build.sh and tests/cluster/build.sh: a Go build into a cache directory
# outside the work tree, keyed by the files it is built from, published only when complete. A failed
# or interrupted build leaves nothing behind, so the next run never takes half a build for a cache.

# build_cache_open TIER KEY_FILE...: reuse the cache of these files and exit (printing its bin/ on
# stdout), or prepare $partial/bin for a build. $binaries names what bin/ must hold.
# The cache: ${ARC_<TIER>_CACHE:-${XDG_CACHE_HOME:-~/.cache}/arc-onboarding/<tier>}/<hash of the files>
build_cache_open() {
  build_tier=$1
  shift
  build_key=$(cat "$@" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)
  local override=ARC_${build_tier^^}_CACHE
  build_cache=${!override:-${XDG_CACHE_HOME:-$HOME/.cache}/arc-onboarding/$build_tier}/$build_key
  if build_cache_complete "$build_cache"; then
    echo "$build_tier: cached build $build_key ($(cat "$build_cache/build-seconds") s when built)" >&2
    echo "$build_cache/bin"
    exit 0
  fi
  command -v go >/dev/null || { echo "$build_tier: go is not on PATH" >&2; exit 3; }
  export GOFLAGS=-mod=mod
  build_start=$(date +%s)
  partial=$build_cache.partial.$$
  # Module caches are read-only: make them writable so that the partial build can be removed.
  trap 'chmod -R u+w "$partial" 2>/dev/null; rm -rf "$partial"' EXIT
  # A signal ends the script through its EXIT trap.
  trap 'exit 143' TERM HUP INT
  mkdir -p "$partial/bin"
}

build_cache_complete() {
  local binary
  # shellcheck disable=SC2154 # the sourcing script sets $binaries
  for binary in "${binaries[@]}"; do [ -x "$1/bin/$binary" ] || return 1; done
}

# build_cache_publish: move the finished build into its cache and print its bin/ on stdout.
build_cache_publish() {
  local seconds=$(($(date +%s) - build_start))
  echo "$seconds" >"$partial/build-seconds"
  rm -rf "$build_cache"
  mv "$partial" "$build_cache"
  trap - EXIT
  echo "$build_tier: built $build_key in $seconds s" >&2
  echo "$build_cache/bin"
}
