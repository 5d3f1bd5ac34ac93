"""FAKE `az` (Azure CLI) for the calls the program's lifecycle scripts make; it records every argv
in the world's call log and answers from the stand-in Azure (arm.py).

Answers as az 2.x does (azure-cli `az resource show|list`, `az provider register`):
- `provider register --namespace NS [--subscription S] --wait`: registers, prints nothing, exit 0;
- `resource show ... --query properties.connectivityStatus --output tsv`: the value, one line;
  a missing resource: "(ResourceNotFound) The Resource '<type>/<name>' under resource group '<g>'
  was not found." on stderr, exit 3 (az's exit code for ResourceNotFoundError);
- `resource list --resource-group G --query '[].[type, name]' --output tsv`: one "type<TAB>name"
  line per resource; a missing group: "(ResourceGroupNotFound) Resource group 'G' could not be
  found." on stderr, exit 3.
Anything else exits 2 naming the call, so a script calling something new fails loudly here.
"""

from __future__ import annotations

import sys

from . import arm, world


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def main(argv: list[str]) -> int:
    world.record("az", "exec", argv=argv)
    fault = world.take_fault("az", "exec", " ".join(argv))
    if fault is not None:
        print(fault["message"], file=sys.stderr)
        return int(fault.get("exit", 1))
    subscription = option(argv, "--subscription") or arm.SUBSCRIPTION
    if argv[:2] == ["provider", "register"]:
        with world.locked("azure") as azure:
            azure.setdefault("registered", {})[option(argv, "--namespace") or ""] = subscription
        return 0
    if argv[:2] == ["resource", "show"] and option(argv, "--query") == "properties.connectivityStatus":
        group, name, type_ = (
            option(argv, "--resource-group") or "",
            option(argv, "--name") or "",
            option(argv, "--resource-type") or "",
        )
        namespace, _, collection = type_.partition("/")
        found = arm.get(arm.resource_id(subscription, group, namespace, collection, name), via_az=True)
        if found is None:
            print(
                f"(ResourceNotFound) The Resource '{type_}/{name}' under resource group '{group}' was not found.",
                file=sys.stderr,
            )
            return 3
        print(found.get("properties", {}).get("connectivityStatus", ""))
        return 0
    if argv[:2] == ["resource", "list"] and option(argv, "--query") == "[].[type, name]":
        group = option(argv, "--resource-group") or ""
        listing = arm.in_group(subscription, group)
        if listing is None:
            print(f"(ResourceGroupNotFound) Resource group '{group}' could not be found.", file=sys.stderr)
            return 3
        for resource in listing:
            print(f"{resource['type']}\t{resource['name']}")
        return 0
    print(f"fake az: call not modelled: az {' '.join(argv)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
