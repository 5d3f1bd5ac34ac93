"""FAKE `kubectl` for the calls the program's scripts make (the cleanup at destroy; node detection
with distribution auto); records every argv and acts on the kubernetes stand-in's cluster named
by `--context` (the stand-in keys clusters by the provider's context).

Answers as kubectl 1.x does: `get --raw /version` prints the version JSON; `delete <kind> <name>
--ignore-not-found` prints `<kind>.<group> "<name>" deleted` or nothing when absent, exit 0;
`patch` of a missing object: `Error from server (NotFound)`, exit 1; `get nodes -o json` prints a
v1 List of one kind node. An unreachable cluster (fault) fails every call as kubectl does when it
cannot connect ("Unable to connect to the server"), exit 1.
"""

from __future__ import annotations

import json
import sys

from . import world

KINDS = {"customresourcedefinition": "CustomResourceDefinition", "namespace": "Namespace"}


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
    if fault is not None:
        print(fault["message"], file=sys.stderr)
        return int(fault.get("exit", 1))
    words = [
        a
        for i, a in enumerate(argv)
        if not a.startswith("-") and not (i > 0 and argv[i - 1] in ("--context", "--kubeconfig", "-p", "--type", "-o"))
    ]
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
