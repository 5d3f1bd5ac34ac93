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
- `resource show --ids ID --query properties.NAME --output tsv` (the pre-write check): as above, by id;
  `--query tags.NAME`: that tag's value, an empty line without it (az prints a null as nothing in tsv);
  `--query properties.A.B` (verify's `arcAgentProfile.agentState`): the nested value, likewise;
- `rest --method get|delete --url URL` (the uninstall guard, the agentless listing), against ARM by
  the URL's path: a GET of a collection lists its direct children as `{"value": [...]}`, a GET of a
  resource returns it (`--output none`: nothing). A list of connected clusters comes in pages of
  PAGE_SIZE, each but the last with a `nextLink` (the swagger's `x-ms-pageable` `nextLinkName` of
  `ConnectedCluster_ListByResourceGroup`, tests/fixtures/connectedClusters-2026-05-01.json; the page
  size is the service's choice, and a small one makes every listing follow its links). `--query` is
  evaluated as az evaluates it, with the jmespath library and OrderedDict objects (microsoft/knack
  knack/query.py `CLIQuery.handle_query_parameter` @ 1a1fe530), and `--output tsv` printed as knack's
  `_TsvOutput` prints it (knack/output.py `format_tsv` @ 162e5993: a list's scalars one a line). A DELETE removes it
  (ARM answers 200/204 even when it is already gone). ARM's 404 is az rest's HTTPError, exit 1:
  `Not Found({"error":{"code":"ResourceNotFound"|"ParentResourceNotFound"|"ResourceGroupNotFound",...}})`.
- `rest --method post --url https://<region>.dp.kubernetesconfiguration.azure.<sfx>/azure-arc-k8sagents/...`
  (helm_settings.sh), the Arc config data plane as connectedk8s.md §2.3 describes it (the CLI's
  `_utils.py` `health_check_dp`, `get_helm_values`, azure-cli-extensions @ 0b4bb2eb): `healthCheck`
  answers 200 with no body (az prints nothing); `GetHelmSettings` answers `{"repositoryPath": ...,
  "helmValuesContent": {...}}` derived from the POSTed cluster. Its keys are ASSUMED (the real
  answer is not public; docs/engine-tests.md): those the CLI stopped sending in 1.10 because the
  data plane supplies them (connectedk8s.md §2.2: `global.subscriptionId`, `resourceGroupName`,
  `resourceName`, `location`, `tenantId`, `systemDefaultValues.azureArcAgents.autoUpdate`, the proxy
  keys), each proxy key as the `redacted:proxy:<setting>` placeholder it was sent, and
  `global.enableOidcIssuer` (a key of chart 1.13.4) with the OIDC issuer on. A fault
  ("az", "exec", "healthCheck") makes the data plane unreachable.
- `rest --method put --url URL --body JSON` (the gateway link, the conversion): ARM's create or
  replace: the body becomes the resource (what was there is gone, `kind` included), with what ARM
  adds to a connected cluster (arm.as_put).
Anything else exits 2 naming the call, so a script calling something new fails loudly here.
"""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jmespath

from . import arm, world

# How many connected clusters a page of ARM's list holds here (module docstring).
PAGE_SIZE = 2


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
    query = option(argv, "--query") or ""
    if argv[:2] == ["resource", "show"] and query.startswith(("properties.", "tags.")):
        ids = option(argv, "--ids")
        if ids is not None:
            parts = ids.strip("/").split("/")
            subscription, group, type_, name = parts[1], parts[3], "/".join(parts[5:7]), parts[7]
        else:
            group, name, type_ = (
                option(argv, "--resource-group") or "",
                option(argv, "--name") or "",
                option(argv, "--resource-type") or "",
            )
        namespace, _, collection = type_.partition("/")
        found = arm.get(arm.resource_id(subscription, group, namespace, collection, name), via_az=True)
        if found is None:
            if arm.get(arm.group_id(subscription, group)) is None:
                print(f"(ResourceGroupNotFound) Resource group '{group}' could not be found.", file=sys.stderr)
            else:
                print(
                    f"(ResourceNotFound) The Resource '{type_}/{name}' under resource group '{group}' was not found.",
                    file=sys.stderr,
                )
            return 3
        value: Any = found
        for key in query.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        print("" if value is None else value)
        return 0
    if argv[:1] == ["rest"]:
        return rest(
            option(argv, "--method") or "get",
            option(argv, "--url") or "",
            query,
            option(argv, "--output"),
            option(argv, "--body"),
        )
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


def not_found(code: str, message: str) -> int:
    print(f"Not Found({json.dumps({'error': {'code': code, 'message': message}})})", file=sys.stderr)
    return 1


# The data plane's paths (components/data_plane.py) and the proxy settings' chart keys (connectedk8s.md §8).
DATA_PLANE_HOST = ".dp.kubernetesconfiguration.azure."
PROXY_KEYS = {"https_proxy": "global.httpsProxy", "http_proxy": "global.httpProxy", "no_proxy": "global.noProxy",
              "proxy_cert": "global.proxyCert"}  # fmt: skip


def data_plane(method: str, path: str, body_text: str | None) -> int:
    if method != "post":
        print(f"fake az: call not modelled: az rest --method {method} {path}", file=sys.stderr)
        return 2
    if path == "/azure-arc-k8sagents/healthCheck":
        return 0
    if path != "/azure-arc-k8sagents/GetHelmSettings":
        print(f"Not Found({path})", file=sys.stderr)
        return 1
    print(json.dumps(helm_settings(json.loads(body_text or "{}")), indent=2))
    return 0


def helm_settings(cluster: dict[str, Any]) -> dict[str, Any]:
    """The assumed GetHelmSettings answer for a connected cluster (module docstring)."""
    parts = cluster["id"].strip("/").split("/")
    properties = cluster.get("properties", {})
    values = {
        "global.subscriptionId": parts[1],
        "global.resourceGroupName": parts[3],
        "global.resourceName": parts[-1],
        "global.location": cluster["location"],
        "global.tenantId": cluster["identity"]["tenantId"],
        "systemDefaultValues.azureArcAgents.autoUpdate": str(
            properties.get("arcAgentProfile", {}).get("agentAutoUpgrade") == "Enabled"
        ).lower(),
    }
    for configuration in properties.get("arcAgentryConfigurations", []):
        protected = configuration.get("protectedSettings", {}) if configuration.get("feature") == "proxy" else {}
        for setting, placeholder in protected.items():
            values[PROXY_KEYS[setting]] = placeholder
        if set(protected) & {"https_proxy", "http_proxy", "no_proxy"}:
            values["global.isProxyEnabled"] = "true"
        if "proxy_cert" in protected:
            values["global.isCustomCert"] = "true"
    if properties.get("oidcIssuerProfile", {}).get("enabled"):
        values["global.enableOidcIssuer"] = "true"
    return {
        "repositoryPath": "mcr.microsoft.com/azurearck8s/batch1/stable/azure-arc-k8sagents:1.36.1",
        "helmValuesContent": values,
    }


def rest(method: str, url: str, query: str, output: str | None, body_text: str | None = None) -> int:
    if DATA_PLANE_HOST in urlsplit(url).netloc:
        return data_plane(method, urlsplit(url).path, body_text)
    path = urlsplit(url).path.rstrip("/")
    parts = path.strip("/").split("/")
    if len(parts) < 4 or parts[0].lower() != "subscriptions" or parts[2].lower() != "resourcegroups":
        print(f"fake az: call not modelled: az rest --method {method} --url {url}", file=sys.stderr)
        return 2
    group = arm.group_id(parts[1], parts[3])
    if arm.get(group) is None:
        return not_found("ResourceGroupNotFound", f"Resource group '{parts[3]}' could not be found.")
    if method == "delete":
        arm.delete(path)
        return 0
    if method == "put":
        # ARM PUT (az rest --method put --body): creates or replaces the resource at the path, whose
        # parent must exist (an extension resource such as `.../connectedClusters/N/providers/NS/type/name`).
        # A top-level resource (`.../providers/NS/type/name`) needs only its group, checked above.
        owner = "/".join(parts[:-4] if len(parts) > 8 and parts[-4].lower() == "providers" else parts[:-2])
        if len(parts) > 8 and arm.get("/" + owner) is None:
            return not_found("ParentResourceNotFound", f"Parent resource '{owner.rsplit('/', 1)[-1]}' not found.")
        stored = {**json.loads(body_text or "{}"), "id": path, "name": parts[-1], "type": "/".join(parts[-3:-1])}
        if stored["type"].lower() == arm.CONNECTED_CLUSTERS:
            stored = arm.as_put(stored)
        arm.put(stored)
        if output != "none":
            print(json.dumps(stored, indent=2))
        return 0
    resources = world.read("azure").get("resources", {})
    found = resources.get(path.lower())
    # A collection (`.../providers/NS/type`, or a child type under a resource): an odd part count past the group.
    collection = len(parts) % 2 == 1
    if collection:
        parent = "/".join(parts[:-3] if parts[-3].lower() == "providers" else parts[:-1])
        if parent.count("/") > 3 and arm.get("/" + parent) is None:
            return not_found(
                "ParentResourceNotFound",
                f"Can not perform requested operation on nested resource. Parent resource '{parent.rsplit('/', 1)[-1]}' not found.",
            )
        prefix = path.lower() + "/"
        children = [r for k, r in sorted(resources.items()) if k.startswith(prefix) and "/" not in k[len(prefix) :]]
        if parts[-1].lower() == "connectedclusters":
            # As ARM answers them: with their connectivityStatus.
            body: Any = page([arm.get(c["id"]) or c for c in children], url)
        else:
            body = {"value": children}
    elif found is None:
        return not_found(
            "ResourceNotFound",
            f"The Resource '{'/'.join(parts[-2:])}' under resource group '{parts[3]}' was not found.",
        )
    else:
        body = found
    if query:
        body = jmespath.search(query, body, jmespath.Options(dict_cls=OrderedDict))
    if output == "none":
        return 0
    print(
        tsv(body) if output == "tsv" else json.dumps(body, indent=2, sort_keys=True),
        end="" if output == "tsv" else "\n",
    )
    return 0


def page(items: list[dict[str, Any]], url: str) -> dict[str, Any]:
    """One page of an ARM list: where `$skipToken` says it starts, and the link to the next one."""
    start = int(parse_qs(urlsplit(url).query).get("$skipToken", ["0"])[0])
    body: dict[str, Any] = {"value": items[start : start + PAGE_SIZE]}
    if start + PAGE_SIZE < len(items):
        parts = urlsplit(url)
        api_version = parse_qs(parts.query).get("api-version", [""])[0]
        body["nextLink"] = (
            f"https://management.azure.com{parts.path}?api-version={api_version}&$skipToken={start + PAGE_SIZE}"
        )
    return body


def tsv(result: Any) -> str:
    """az's `--output tsv` (microsoft/knack knack/output.py `format_tsv`, `_TsvOutput` @ 162e5993): a row per item of a list
    (one row for anything else), a row's values tab-separated (a dict's sorted by key), a nested
    list as its length, a nested dict as nothing, a boolean row in lower case."""

    def cell(value: Any) -> str:
        if isinstance(value, list):
            return str(len(value))
        return "" if isinstance(value, dict) else value if isinstance(value, str) else str(value)

    def row(item: Any) -> str:
        if isinstance(item, OrderedDict):
            return "\t".join(map(cell, item.values()))
        if isinstance(item, dict):
            return "\t".join(cell(v) for _, v in sorted(item.items()))
        if isinstance(item, list):
            return "\t".join(map(cell, item))
        return cell(str(item).lower() if isinstance(item, bool) else item)

    return "".join(row(item) + "\n" for item in (result if isinstance(result, list) else [result]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
