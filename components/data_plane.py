"""The agents' Helm values from the Arc config data plane, as `az connectedk8s connect` has fetched
them since 1.10 (pure: no Pulumi).

The CLI (azure-cli-extensions @ 0b4bb2eb, connectedk8s `_utils.py` `health_check_dp`,
`get_helm_values`, `parse_helm_values`, `helm_install_release`; `custom.py` `create_connectedk8s`;
`../shared/reference/connectedk8s.md` §2.2-2.3):
1. POSTs `{dp}/azure-arc-k8sagents/healthCheck?api-version=2024-07-01-preview` (must answer 200);
2. POSTs the connected cluster it PUT (`ConnectedCluster.serialize()`: no read-only property, then
   `identity.tenantId`, `identity.principalId` and `id` filled in), the proxy's values only as
   `redacted:<feature>:<setting>` placeholders in `protectedSettings`, to
   `{dp}/azure-arc-k8sagents/GetHelmSettings?api-version=2024-07-01-preview&releaseTrain=stable`;
3. installs with its own few values, then every `helmValuesContent` pair as `--set key=value`
   (placeholders replaced locally), then custom locations and private link's cluster-connect off.

Here the two POSTs run in the `<cluster>-helm-settings` Command (components/scripts/helm_settings.sh),
whose stdout is this module's `Answer`; the release's values are `release_values` of it. The data
plane's answer is not public: which keys it returns is an assumption (docs/cli-parity.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

API_VERSION = "2024-07-01-preview"
RELEASE_TRAIN = "stable"
CLUSTER_RESOURCE_TYPE = "Microsoft.Kubernetes/connectedClusters"

# The CLI's protected settings of its `proxy` feature (connectedk8s.md §8), in the CLI's names.
PROXY_FEATURE = "proxy"
PLACEHOLDER = re.compile(r"redacted:([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+)")


def placeholder(feature: str, setting: str) -> str:
    return f"redacted:{feature}:{setting}"


def health_check_url(endpoint: str) -> str:
    return f"{endpoint}/azure-arc-k8sagents/healthCheck?api-version={API_VERSION}"


def helm_settings_url(endpoint: str) -> str:
    return f"{endpoint}/azure-arc-k8sagents/GetHelmSettings?api-version={API_VERSION}&releaseTrain={RELEASE_TRAIN}"


def proxy_protected_settings(
    *, https_proxy: str | None, http_proxy: str | None, no_proxy: tuple[str, ...], ca_cert_pem: str | None
) -> dict[str, str]:
    """The proxy feature's protected settings as the CLI keeps them locally (`https_proxy`,
    `http_proxy`, `no_proxy`, `proxy_cert`), only those configured. `proxy_cert` is the PEM itself:
    the CLI holds a path and `--set-file`s it, a values map takes the text."""
    settings = {"https_proxy": https_proxy, "http_proxy": http_proxy, "proxy_cert": ca_cert_pem}
    if no_proxy:
        # A values map needs none of the CLI's `--set` escaping of ',' and '/'.
        settings["no_proxy"] = ",".join(no_proxy)
    return {name: value for name, value in sorted(settings.items()) if value}


def request_body(
    *,
    cluster_id: str,
    name: str,
    location: str,
    tags: Mapping[str, str],
    principal_id: str,
    tenant_id: str,
    properties: Mapping[str, Any],
    protected: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """What GetHelmSettings gets: the connected cluster as PUT (the properties this program sends,
    none of ARM's read-only ones, as msrest's `serialize()` leaves them out), its identity and id,
    and for each feature with protected settings, placeholders in place of the values.
    `protected`: feature -> setting -> the local value (only the names leave the machine)."""
    configurations = [dict(c) for c in properties.get("arcAgentryConfigurations") or []]
    for configuration in configurations:
        names = protected.get(str(configuration.get("feature")), {})
        if names:
            configuration["protectedSettings"] = {
                setting: placeholder(str(configuration["feature"]), setting) for setting in sorted(names)
            }
    body_properties = dict(properties)
    if configurations:
        body_properties["arcAgentryConfigurations"] = configurations
    return {
        "id": cluster_id,
        "name": name,
        "type": CLUSTER_RESOURCE_TYPE,
        "location": location,
        "tags": dict(tags),
        "identity": {"type": "SystemAssigned", "principalId": principal_id, "tenantId": tenant_id},
        "properties": body_properties,
    }


def body_json(body: Mapping[str, Any]) -> str:
    """The body as the Command's environment holds it: sorted and compact, so the same cluster is
    the same text on every `up` (the Command asks again only when it changes)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


Source = Literal["dataPlane", "fallback", "notAsked"]


@dataclass(frozen=True)
class Answer:
    """What the helm-settings Command printed. `notAsked`: no answer yet (the offline plan, a
    preview): the explicit set stands."""

    source: Source
    values: dict[str, str] = field(default_factory=dict)  # helmValuesContent: dotted key -> string
    repository_path: str | None = None
    reason: str = ""


def parse_answer(stdout: str) -> Answer:
    """The Command's stdout (helm_settings.sh): `{"source": "dataPlane", "answer": <the POST's
    JSON>}` or `{"source": "fallback", "reason": ...}`; empty when nothing ran."""
    if not stdout.strip():
        return Answer("notAsked")
    try:
        printed = json.loads(stdout)
    except ValueError:
        return Answer("fallback", reason="the helm-settings step printed no JSON")
    if not isinstance(printed, dict):
        return Answer("fallback", reason="the helm-settings step printed no JSON object")
    if printed.get("source") != "dataPlane":
        return Answer("fallback", reason=str(printed.get("reason") or "the data plane was not reached"))
    answer = printed.get("answer")
    content = answer.get("helmValuesContent") if isinstance(answer, dict) else None
    if not isinstance(content, dict) or not all(isinstance(k, str) for k in content):
        return Answer("fallback", reason="the data plane's answer has no helmValuesContent map")
    path = answer.get("repositoryPath") if isinstance(answer, dict) else None
    # The CLI formats each value into `--set key=value` (an f-string: True is "True").
    values = {key: value if isinstance(value, str) else str(value) for key, value in content.items()}
    return Answer("dataPlane", values, path if isinstance(path, str) else None)


def substitute(
    values: Mapping[str, str], protected: Mapping[str, Mapping[str, str]]
) -> tuple[dict[str, str], list[str]]:
    """The placeholders replaced with the local values, as the CLI does before `--set`. A key whose
    placeholder names no local setting is left out (the explicit set's value stands): returned
    second, so the caller can warn."""
    resolved: dict[str, str] = {}
    unresolved: list[str] = []
    for key, value in values.items():
        missing = [m.group(0) for m in PLACEHOLDER.finditer(value) if m.group(2) not in protected.get(m.group(1), {})]
        if missing:
            unresolved.append(key)
            continue
        resolved[key] = PLACEHOLDER.sub(lambda m: protected[m.group(1)][m.group(2)], value)
    return resolved, unresolved


def typed(value: str) -> Any:
    """A `--set` value as Helm types it (helm pkg/strvals/parser.go `typedVal`): true, false and null
    in any case, and integers not starting with 0 (but 0 itself); anything else stays a string."""
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if value == "0" or (value[:1] not in ("", "0") and re.fullmatch(r"[+-]?[0-9]+", value)):
        number = int(value)
        if -(2**63) <= number < 2**63:
            return number
    return value


def nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys (a `\\.` is a literal dot, as `--set` reads it) as the nested map a values file
    would be; a later key wins where two collide, as a later `--set` does."""
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        parts = [part.replace("\\.", ".") for part in re.split(r"(?<!\\)\.", key)]
        node = tree
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return tree


def deep_merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Maps merged key by key, a later layer winning; nested maps merge, anything else replaces."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
                merged[key] = deep_merge(merged[key], value)
            else:
                merged[key] = deep_merge(value) if isinstance(value, Mapping) else value
    return merged


@dataclass(frozen=True)
class Values:
    values: dict[str, Any]
    unresolved: list[str]


def release_values(
    explicit: Mapping[str, Any],
    answer: Answer,
    cli_after: Mapping[str, Any],
    protected: Mapping[str, Mapping[str, str]],
    wrap_substituted: Callable[[str], Any] = lambda value: value,
) -> Values:
    """The release's values: the explicit set (the CLI's own values and the fallback for what the
    data plane does not say), the data plane's answer over it (placeholders replaced, typed as
    `--set` types it), and what the CLI sets after the answer over both (`cli_after`: custom
    locations, cluster-connect, Azure RBAC, the proxy-bypass record). Without an answer: the
    explicit set. Leaves are kept as given (they may be Pulumi outputs); `wrap_substituted` wraps a
    value with a protected setting in it (a secret, when those are)."""
    if answer.source != "dataPlane":
        return Values(deep_merge(explicit), [])
    resolved, unresolved = substitute(answer.values, protected)
    # A substituted value is the user's text (a URL, a PEM): never typed, as `--set-file` or the
    # CLI's escaping keeps it a string.
    from_data_plane = {
        key: wrap_substituted(value) if PLACEHOLDER.search(answer.values[key]) else typed(value)
        for key, value in resolved.items()
    }
    return Values(deep_merge(explicit, nested(from_data_plane), cli_after), unresolved)
