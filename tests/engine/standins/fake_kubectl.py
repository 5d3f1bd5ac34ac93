"""FAKE `kubectl` for the calls the program's scripts make (the cleanup at destroy; node detection
with distribution auto); records every argv and acts on the kubernetes stand-in's cluster named
by `--context` (the stand-in keys clusters by the provider's context).

Answers as kubectl 1.x does: `get --raw /version` prints the version JSON; `delete <kind> <name>
--ignore-not-found` prints `<kind>.<group> "<name>" deleted` or nothing when absent, exit 0;
`patch` of a missing object: `Error from server (NotFound)`, exit 1; `get nodes -o json` prints a
v1 List of one kind node. An unreachable cluster (fault) fails every call as kubectl does when it
cannot connect ("Unable to connect to the server"), exit 1; a slow one (a fault with `delay`) answers
after that many seconds.

The pre-write check and the uninstall guard read what an onboarding leaves, here from the
kubernetes stand-in's Helm releases: `auth can-i` prints `yes` (the fixture's identity is
cluster-admin, as kind's is); Helm 3 keeps a release as Secrets `sh.helm.release.v1.<name>.v<revision>`
labelled `owner=helm,name=<name>` in the release's namespace (helm pkg/storage/driver/secrets.go), so
`get secrets -l owner=helm,name=R` lists them (`-o name`: `secret/<name>`) and `delete secrets -l`
forgets the release; the agents' chart writes ConfigMap `azure-arc/azure-clusterconfig` with
AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, AZURE_RESOURCE_NAME from its `global` values, present
while a deployed release carries them; `--ignore-not-found` prints nothing for what is absent;
`-o jsonpath=` renders `{.data.KEY}`, `{.metadata.namespace}`, `{"text"}` and `{range .items[*]}...{end}`;
`-o name` prints `<resource>.<group>/<name>` for a CRD; `config view --minify` reads the kubeconfig
(`--kubeconfig`, else $KUBECONFIG) at `--context`, else its current context.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from . import world

KINDS = {"customresourcedefinition": "CustomResourceDefinition", "namespace": "Namespace"}
# Options whose value is the next argument (not a word of the command).
VALUED = ("--context", "--kubeconfig", "-p", "--type", "-o", "-l", "--selector", "--namespace", "-n")
AGENT_NAMESPACE = "azure-arc"
CLUSTER_CONFIG = "azure-clusterconfig"


def option(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str]) -> int:
    world.record("kubectl", "exec", argv=argv)
    context = option(argv, "--context") or "default"
    fault = world.take_fault("kubectl", "exec", " ".join(argv))
    if fault is not None and "delay" in fault:
        time.sleep(float(fault["delay"]))
    elif fault is not None:
        print(fault["message"], file=sys.stderr)
        return int(fault.get("exit", 1))
    words = [a for i, a in enumerate(argv) if not a.startswith("-") and not (i > 0 and argv[i - 1] in VALUED)]
    namespace = option(argv, "--namespace") or option(argv, "-n") or "default"
    selector = option(argv, "-l") or option(argv, "--selector") or ""
    output = option(argv, "-o") or ""
    if words[:2] == ["auth", "can-i"]:
        print("yes")
        return 0
    if words[:2] == ["config", "view"]:
        print(render(output, {"clusters": [{"cluster": {"server": server(argv)}}]}), end="")
        return 0
    if words[:1] in (["get"], ["delete"]) and words[1:2] in (["secrets"], ["secret"]):
        return helm_secrets(words[0], context, None if "--all-namespaces" in argv else namespace, selector, output)
    if words[:2] == ["get", "configmap"] and words[2:] == [CLUSTER_CONFIG]:
        data = cluster_config(context) if namespace == AGENT_NAMESPACE else None
        if data is None:
            if "--ignore-not-found" in argv:
                return 0
            print(f'Error from server (NotFound): configmaps "{CLUSTER_CONFIG}" not found', file=sys.stderr)
            return 1
        print(render(output, {"metadata": {"name": CLUSTER_CONFIG, "namespace": namespace}, "data": data}), end="")
        return 0
    if words[:2] == ["get", "customresourcedefinition"] and len(words) > 2 and output == "name":
        objects = world.read("kubernetes").get("objects", {})
        for name in words[2:]:
            if f"{context}|CustomResourceDefinition|/{name}" in objects:
                print(f"customresourcedefinition.apiextensions.k8s.io/{name}")
            elif "--ignore-not-found" not in argv:
                print(f'Error from server (NotFound): customresourcedefinitions "{name}" not found', file=sys.stderr)
                return 1
        return 0
    if words[:1] == ["get"] and "--raw" in argv:
        print(json.dumps({"major": "1", "minor": "31", "gitVersion": "v1.31.0"}))
        return 0
    if words[:2] == ["get", "nodes"]:
        node = {
            "metadata": {"name": "control-plane", "labels": {"kubernetes.io/os": "linux"}},
            "spec": {"providerID": "kind://docker/arc/control-plane"},
            "status": {
                "nodeInfo": {"kubeletVersion": "v1.31.0", "osImage": "Debian GNU/Linux 12", "architecture": "amd64"}
            },
        }
        print(json.dumps({"apiVersion": "v1", "kind": "List", "items": [node]}))
        return 0
    if words[:1] in (["delete"], ["patch"]) and len(words) >= 3 and words[1] in KINDS:
        kind, name = KINDS[words[1]], words[2]
        key = f"{context}|{kind}|/{name}"
        with world.locked("kubernetes") as state:
            objects = state.setdefault("objects", {})
            present = key in objects
            if words[0] == "delete" and present:
                for k in [
                    k
                    for k in objects
                    if k == key
                    or (kind == "Namespace" and k.startswith(f"{context}|") and k.split("|")[2].startswith(f"{name}/"))
                ]:
                    del objects[k]
        if not present:
            if words[0] == "patch":
                print(f'Error from server (NotFound): {words[1]}s "{name}" not found', file=sys.stderr)
                return 1
            return 0
        print(f'{words[1]} "{name}" {"deleted" if words[0] == "delete" else "patched"}')
        return 0
    print(f"fake kubectl: call not modelled: kubectl {' '.join(argv)}", file=sys.stderr)
    return 2


def render(output: str, value: dict[str, Any]) -> str:
    """kubectl's `-o jsonpath=` for the templates the scripts use (no filters, no nesting beyond
    one `range`): a missing field renders empty, as kubectl's does for a map key."""
    template = output.removeprefix("jsonpath=")

    def field(path: str, item: Any) -> str:
        for part in path.strip(".").replace("[0]", ".0").split("."):
            item = item[int(part)] if part.isdigit() and isinstance(item, list) else (item or {}).get(part)
        return "" if item is None else str(item)

    def fill(text: str, item: Any) -> str:
        text = re.sub(r'\{"((?:[^"\\]|\\.)*)"\}', lambda m: m.group(1).encode().decode("unicode_escape"), text)
        return re.sub(r"\{(\.[^}]*)\}", lambda m: field(m.group(1), item), text)

    ranged = re.fullmatch(r"\{range \.items\[\*\]\}(.*)\{end\}", template, flags=re.S)
    if ranged:
        return "".join(fill(ranged.group(1), item) for item in value.get("items", []))
    return fill(template, value)


def releases(context: str) -> dict[str, dict[str, Any]]:
    """This cluster's Helm releases, by `<namespace>/<name>`."""
    prefix = f"{context}|"
    found = world.read("kubernetes").get("releases", {})
    return {k.removeprefix(prefix): r for k, r in found.items() if k.startswith(prefix)}


def helm_secrets(verb: str, context: str, namespace: str | None, selector: str, output: str) -> int:
    labels = dict(pair.split("=", 1) for pair in selector.split(",") if "=" in pair)
    if labels.get("owner") != "helm":
        print(f"fake kubectl: call not modelled: {verb} secrets -l {selector}", file=sys.stderr)
        return 2
    matching = {
        key: release
        for key, release in releases(context).items()
        if release["name"] == labels.get("name", release["name"])
        and (namespace is None or release["namespace"] == namespace)
        # Helm labels each revision's storage with its status (helm/helm pkg/storage/driver/secrets.go).
        and labels.get("status", release.get("status")) == release.get("status")
    }
    names = {key: f"sh.helm.release.v1.{r['name']}.v{r['revision']}" for key, r in matching.items()}
    if verb == "delete":
        with world.locked("kubernetes") as state:
            for key in matching:
                state.setdefault("releases", {}).pop(f"{context}|{key}", None)
        for secret in names.values():
            print(f'secret "{secret}" deleted')
        if not matching:
            print(f"No resources found in {namespace} namespace.", file=sys.stderr)
        return 0
    items = [{"metadata": {"name": names[k], "namespace": r["namespace"]}} for k, r in matching.items()]
    if output == "name":
        print("".join(f"secret/{item['metadata']['name']}\n" for item in items), end="")
    else:
        print(render(output, {"items": items}), end="")
    return 0


def cluster_config(context: str) -> dict[str, str] | None:
    """The agents' identity ConfigMap's data, while a deployed release of theirs carries it."""
    for release in releases(context).values():
        values = release.get("values", {}).get("global", {})
        if release.get("status") == "deployed" and values.get("resourceName"):
            return {
                "AZURE_SUBSCRIPTION_ID": values.get("subscriptionId", ""),
                "AZURE_RESOURCE_GROUP": values.get("resourceGroupName", ""),
                "AZURE_RESOURCE_NAME": values["resourceName"],
                # The running chart's version (connectedk8s.md §2.1; tests/fixtures/charts renders
                # it from .Chart.Version, so a self-upgrade moves it).
                "AZURE_ARC_AGENT_VERSION": release.get("version", ""),
            }
    return None


def server(argv: list[str]) -> str:
    """The API server of the kubeconfig's context (`config view --minify`)."""
    path = Path(option(argv, "--kubeconfig") or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0])
    if not path.name or not path.is_file():
        return ""
    config = yaml.safe_load(path.read_text()) or {}
    name = option(argv, "--context") or config.get("current-context")
    context: dict[str, Any] = next((c["context"] for c in config.get("contexts") or [] if c["name"] == name), {})
    cluster: dict[str, Any] = next(
        (c["cluster"] for c in config.get("clusters") or [] if c["name"] == context.get("cluster")), {}
    )
    return str(cluster.get("server", ""))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
