#!/usr/bin/env bash
# Build the cluster tier's binaries from the Go module proxy into a cache outside the work tree,
# reused while the pins are unchanged (issue 18; the facts are in docs/engine-tests.md):
#   tools/ pins etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok, helm
#   (one module, one `go build` invocation, so their shared packages compile once);
#   the pulumi-kubernetes provider is built from its own module (pinned below), whose main package
#   embeds two files its repository generates (cmd/pulumi-resource-kubernetes/generate.go).
# Prints progress on stderr and the directory holding the binaries on stdout (last line).
#
# Cache: ${ARC_CLUSTER_CACHE:-${XDG_CACHE_HOME:-~/.cache}/arc-onboarding/cluster}/<hash of the pins, this script, ../build/cache.sh>
set -euo pipefail

PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
# The only version of the provider module the proxy serves (a commit near v4.25.0).
PROVIDER_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# The version the engine is told it is: the Python SDK's (pulumi-kubernetes 4.34.2 in uv.lock), so
# the engine does not look for a plugin it cannot download. docs/engine-tests.md says what runs.
PROVIDER_STAMP=4.34.2
KUBE_VERSION=v1.37.2
HELM_VERSION=v3.21.4

here=$(cd "$(dirname "$0")" && pwd)
tools=$here/tools
binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok helm pulumi-resource-kubernetes)
# shellcheck source=tests/build/cache.sh
. "$here/../build/cache.sh"
build_cache_open cluster "$tools/go.mod" "$tools/go.sum" "$tools/tools.go" "$tools/etcd/main.go" "$here/build.sh"

cd "$tools"
echo "cluster: building etcd, the control plane $KUBE_VERSION, kubectl, kwok and helm $HELM_VERSION (about 25 min on 2 cores when cold)" >&2
kv=k8s.io/component-base/version
major=${KUBE_VERSION#v}; minor=${major#*.}; major=${major%%.*}; minor=${minor%%.*}
# -s -w: no symbol table or DWARF, which the tests never read; linking nine large binaries is a
# good part of a cold build.
go build -o "$partial/bin/" \
  -ldflags "-s -w -X $kv.gitVersion=$KUBE_VERSION -X $kv.gitMajor=$major -X $kv.gitMinor=$minor -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  ./etcd \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl \
  sigs.k8s.io/kwok/cmd/kwok \
  helm.sh/helm/v3/cmd/helm
echo "cluster: control plane built after $(( $(date +%s) - build_start )) s" >&2
# kwok runs no stage without a configuration: its own stage files, from the module that was built.
kwok_dir=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
for stage in node/fast/node-initialize node/heartbeat/node-heartbeat pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
  cat "$kwok_dir/kustomize/stage/$stage.yaml"
  echo "---"
done>"$partial/kwok-stages.yaml"

echo "cluster: building the pulumi-kubernetes provider $PROVIDER_VERSION (about 11 min on 2 cores when cold)" >&2
src=$partial/provider-src
go mod download "$PROVIDER_MODULE@$PROVIDER_VERSION"
cp -r "$(go mod download -json "$PROVIDER_MODULE@$PROVIDER_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')" "$src"
chmod -R u+w "$src"
# The repository's go.mod replaces the SDK with a sibling folder that the module does not ship.
sed -i '/^replace github.com\/pulumi\/pulumi-kubernetes\/sdk\/v4 => /d' "$src/go.mod"
(cd "$src/cmd/pulumi-resource-kubernetes" && VERSION=$PROVIDER_STAMP go run generate.go)
(cd "$src" && go build -o "$partial/bin/pulumi-resource-kubernetes" \
  -ldflags "-s -w -X $PROVIDER_MODULE/pkg/version.Version=$PROVIDER_STAMP" ./cmd/pulumi-resource-kubernetes)
chmod -R u+w "$src"; rm -rf "$src"

printf '%s\n' "provider $PROVIDER_MODULE@$PROVIDER_VERSION stamped $PROVIDER_STAMP" \
  "kubernetes $KUBE_VERSION" "helm $HELM_VERSION" >"$partial/pins"
build_cache_publish
