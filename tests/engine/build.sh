#!/usr/bin/env bash
# Build the Pulumi engine of the engine tests from the Go module proxy (tests/engine/tools pins it)
# into a cache outside the work tree, reused while the pins are unchanged. Prints the build time on
# stderr and the directory holding `pulumi` and `pulumi-language-python-exec` on stdout (last line).
#
# Cache: ${ARC_ENGINE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/arc-onboarding/engine}/<hash of go.mod, go.sum, this script, ../build/cache.sh>
# What is not built here, and why (the proxy refuses those modules), is in docs/engine-tests.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tools=$here/tools
binaries=(pulumi pulumi-language-python-exec)
# shellcheck source=tests/build/cache.sh
. "$here/../build/cache.sh"
build_cache_open engine "$tools/go.mod" "$tools/go.sum" "$here/build.sh"

cd "$tools"
version=$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)
echo "engine: building the Pulumi CLI $version (GOFLAGS=$GOFLAGS; several minutes on 2 cores when cold)" >&2
# -s -w: no symbol table or DWARF, which the tests never read, and a shorter link (one core, at the end).
go build \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$partial/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
# The Python language host runs programs through this script; it lives in the sdk/v3 module.
sdk=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$partial/bin/"
build_cache_publish
