#!/usr/bin/env bash
# Build the Pulumi engine of the engine tests from the Go module proxy (tests/engine/tools pins it)
# into a cache outside the work tree, reused while the pins are unchanged. Prints the build time on
# stderr and the directory holding `pulumi` and `pulumi-language-python-exec` on stdout (last line).
#
# Cache: ${ARC_ENGINE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/arc-onboarding/engine}/<hash of go.mod, go.sum, this script>
# What is not built here, and why (the proxy refuses those modules), is in docs/engine-tests.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tools=$here/tools
key=$(cat "$tools/go.mod" "$tools/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)
root=${ARC_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/arc-onboarding/engine}
cache=$root/$key

if [ -x "$cache/bin/pulumi" ] && [ -f "$cache/bin/pulumi-language-python-exec" ]; then
  echo "engine: cached build $key ($(cat "$cache/build-seconds") s when built)" >&2
  echo "$cache/bin"
  exit 0
fi

command -v go >/dev/null || { echo "engine: go is not on PATH" >&2; exit 3; }
export GOFLAGS=-mod=mod
start=$(date +%s)
partial=$cache.partial.$$
trap 'rm -rf "$partial"' EXIT
mkdir -p "$partial/bin"
cd "$tools"
version=$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)
echo "engine: building the Pulumi CLI $version (GOFLAGS=$GOFLAGS; several minutes on 2 cores when cold)" >&2
go build \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$partial/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
# The Python language host runs programs through this script; it lives in the sdk/v3 module.
sdk=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$partial/bin/"
seconds=$(( $(date +%s) - start ))
echo "$seconds" >"$partial/build-seconds"
rm -rf "$cache"
mv "$partial" "$cache"
echo "engine: built $key in $seconds s" >&2
echo "$cache/bin"
