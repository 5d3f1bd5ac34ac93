"""The lifecycle scripts: one `.sh` file each in this package, and the environment each one reads.

The program puts a script's *text* into its Command (or the preflight Job) at program time: a
delete step runs the text stored in state, so a path would break once the files move. Values never
enter the text: they reach the script as environment variables (the Command's `environment`,
stored with it) or, for the preflight, as positional arguments. Secrets (the kubeconfig, proxy
credentials) are only ever in a secret environment and are never printed.

The sh scripts run as `/bin/sh -c TEXT` where Pulumi runs, with `az` and `kubectl` from PATH;
preflight.sh runs as `bash -c TEXT arc-preflight HOST:PORT...` in the preflight Job's container.

What several scripts share is written once in parts/ and stands in a script as a line
`# @include NAME` (a part may include another). `text` puts each part's text in place of its line,
so a script's text is whole wherever it is stored. A part holds no comment of its own: its text
lands in every stack's state, and a change of it is a change of each script that includes it (an
update of its Commands; docs/lifecycle.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from components.data_plane import health_check_url, helm_settings_url

Script = Literal[
    "verify",
    "cleanup",
    "group_guard",
    "register",
    "preflight",
    "precheck",
    "delete_guard",
    "custom_locations_oid",
    "gateway_unlink",
    "gateway_link",
    "helm_settings",
    "ci_proxy_bypass",
    "convert",
    "agentless",
]

# A value as the caller holds it: a plain string, or a Pulumi Output the Command resolves. Generic
# so this module stays free of Pulumi (the import rules of docs/architecture.md).
Value = TypeVar("Value")

# The Commands' interpreter, explicit so a machine without a POSIX shell fails plainly instead of
# feeding these scripts to another shell.
INTERPRETER = ("/bin/sh", "-c")

DIRECTORY = Path(__file__).resolve().parent
PARTS = DIRECTORY / "parts"
INCLUDE = "# @include "

# The CRDs `az connectedk8s delete --force` removes (connectedk8s.md §7), before the cloud suffix.
ARC_CRDS = (
    "arccertificates.clusterconfig.azure",
    "azureclusteridentityrequests.clusterconfig.azure",
    "azureextensionidentities.clusterconfig.azure",
    "connectedclusters.arc.azure",
    "customlocationsettings.clusterconfig.azure",
    "extensionconfigs.clusterconfig.azure",
    "gitconfigs.clusterconfig.azure",
)


@cache
def text(name: Script) -> str:
    """The script's text, as the Command runs it: its file with the parts it includes in place."""
    return expand_includes(DIRECTORY / f"{name}.sh")


def expand_includes(path: Path) -> str:
    """The file's text, each `# @include NAME` line replaced by parts/NAME, itself expanded."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(
        expand_includes(PARTS / line.removeprefix(INCLUDE).strip()) if line.startswith(INCLUDE) else line
        for line in lines
    )


def verify_environment(
    *,
    resource_group: Value,
    cluster_name: Value,
    subscription: Value,
    timeout_seconds: int,
    agent_namespace: str,
    wait_for_agent_state: bool = False,
) -> dict[str, Value | str]:
    """`wait_for_agent_state`: also wait for `arcAgentProfile.agentState`, as the CLI's
    `poll_for_agent_state` does with the OIDC issuer or workload identity on; without it the
    environment is what earlier versions stored."""
    return {
        "ARC_RESOURCE_GROUP": resource_group,
        "ARC_CLUSTER_NAME": cluster_name,
        "ARC_SUBSCRIPTION": subscription,
        "ARC_TIMEOUT_SECONDS": str(int(timeout_seconds)),
        "ARC_AGENT_NAMESPACE": agent_namespace,
        **({"ARC_WAIT_AGENT_STATE": "true"} if wait_for_agent_state else {}),
    }


def helm_settings_environment(*, endpoint: str, aad_resource: str, body: Value) -> dict[str, Value | str]:
    """What helm_settings.sh reads: the data plane's two URLs, the token's audience, the request."""
    urls = {"ARC_HEALTH_CHECK_URL": health_check_url(endpoint), "ARC_HELM_SETTINGS_URL": helm_settings_url(endpoint)}
    return {**urls, "ARC_AAD_RESOURCE": aad_resource, "ARC_DP_BODY": body}


def cleanup_environment(*, crd_suffix: str, namespaces: Sequence[str]) -> dict[str, str]:
    """The cleanup's values; the kubeconfig and context are added by the component (secret)."""
    return {
        "ARC_CRDS": " ".join(f"{crd}.{crd_suffix}" for crd in ARC_CRDS),
        "ARC_NAMESPACES": " ".join(namespaces),
    }


def group_guard_environment(
    *, resource_group: str, subscription: Value, own_clusters: Sequence[str], adopted: bool = False
) -> dict[str, Value | str]:
    """`adopted`: the guard is disarmed (the stack only reads the group); a created group's
    environment has no such entry, so it stays what earlier versions stored."""
    # No own clusters: a groups stack, whose groups hold other stacks' clusters; every one of
    # them then counts as foreign, so the group outlives them.
    return {
        "ARC_RESOURCE_GROUP": resource_group,
        "ARC_SUBSCRIPTION": subscription,
        # Sorted: the stored environment does not change with the order of the clusters in the config.
        "ARC_OWN_CLUSTERS": "\n".join(sorted(own_clusters)),
        **({"ARC_GROUP_ADOPTED": "true"} if adopted else {}),
    }


def _flag(value: bool) -> str:
    return "true" if value else "false"


def precheck_environment(
    *,
    subscription: str,
    resource_group: str,
    cluster_name: str,
    crd_suffix: str,
    agent_namespace: str,
    release_name: str,
    replace_stale: bool,
    dry_run: bool,
    location: str = "",
    private_link_scope: str = "",
    agentless: bool = False,
) -> dict[str, str]:
    """The pre-write check's values; the kubeconfig and context are added by the caller. `location`
    and `private_link_scope` (empty: not checked) feed the CLI's region checks; `agentless`: the
    listing (agentless.sh) found this connected cluster AgentNotInstalled in Azure."""
    return {
        "ARC_AGENTLESS": _flag(agentless),
        "ARC_LOCATION": location,
        "ARC_PRIVATE_LINK_SCOPE": private_link_scope,
        "ARC_SUBSCRIPTION": subscription,
        "ARC_RESOURCE_GROUP": resource_group,
        "ARC_CLUSTER_NAME": cluster_name,
        "ARC_CRDS": " ".join(f"{crd}.{crd_suffix}" for crd in ARC_CRDS),
        "ARC_AGENT_NAMESPACE": agent_namespace,
        "ARC_RELEASE_NAME": release_name,
        "ARC_REPLACE_STALE": _flag(replace_stale),
        "ARC_DRY_RUN": _flag(dry_run),
    }


def agentless_environment(*, subscription: str, resource_groups: Sequence[str], api_version: str) -> dict[str, str]:
    """What agentless.sh reads: the groups whose connected clusters it lists (each once)."""
    unique: dict[str, str] = {}
    for group in resource_groups:
        unique.setdefault(group.lower(), group)  # group names are case-insensitive in ARM
    return {
        "ARC_SUBSCRIPTION": subscription,
        "ARC_RESOURCE_GROUPS": " ".join(unique.values()),
        "ARC_API_VERSION": api_version,
    }


# How long the delete guard waits for one unmanaged extension to go (the agents uninstall it).
EXTENSION_DELETE_TIMEOUT_SECONDS = 900


def delete_guard_environment(
    *,
    subscription: Value,
    resource_group: str,
    cluster_name: str,
    agent_namespace: str,
    release_name: str,
    release_namespace: str,
    managed_extensions: Sequence[str],
    force_delete: bool,
) -> dict[str, Value | str]:
    """The delete guard's values; the kubeconfig and context are added by the component (secret)."""
    return {
        "ARC_SUBSCRIPTION": subscription,
        "ARC_RESOURCE_GROUP": resource_group,
        "ARC_CLUSTER_NAME": cluster_name,
        "ARC_AGENT_NAMESPACE": agent_namespace,
        "ARC_RELEASE_NAME": release_name,
        "ARC_RELEASE_NAMESPACE": release_namespace,
        # Sorted: the stored environment does not change with the order they are declared in.
        "ARC_MANAGED_EXTENSIONS": "\n".join(sorted(managed_extensions)),
        "ARC_FORCE_DELETE": _flag(force_delete),
        "ARC_EXTENSION_TIMEOUT_SECONDS": str(EXTENSION_DELETE_TIMEOUT_SECONDS),
    }


# The Custom Locations RP's first-party app (connectedk8s `custom.py` ~4400, connectedk8s.md §4).
CUSTOM_LOCATIONS_APP_ID = "bc313c14-388c-4e7d-a58e-70017303ee3b"


def custom_locations_environment(given_oid: str | None = None) -> dict[str, str]:
    """`given_oid` (features.customLocationsOid): used when the lookup fails, as the CLI does."""
    return {
        "ARC_CUSTOM_LOCATIONS_APP_ID": CUSTOM_LOCATIONS_APP_ID,
        **({"ARC_CUSTOM_LOCATIONS_OID": given_oid} if given_oid else {}),
    }


def register_environment(*, namespace: str, subscription: Value) -> dict[str, Value | str]:
    return {"ARC_PROVIDER_NAMESPACE": namespace, "ARC_SUBSCRIPTION": subscription}


def gateway_unlink_environment(
    *, subscription: Value, resource_group: Value, cluster_name: Value, api_version: str
) -> dict[str, Value | str]:
    """What gateway_unlink.sh reads: the association to clear, at the CLI's api-version."""
    return {
        "ARC_SUBSCRIPTION": subscription,
        "ARC_RESOURCE_GROUP": resource_group,
        "ARC_CLUSTER_NAME": cluster_name,
        "ARC_API_VERSION": api_version,
    }


def gateway_environment(
    *, subscription: Value, resource_group: Value, cluster_name: Value, api_version: str, gateway_id: Value
) -> dict[str, Value | str]:
    """What gateway_link.sh (create, update) and gateway_unlink.sh (delete) read."""
    return {
        **gateway_unlink_environment(
            subscription=subscription, resource_group=resource_group, cluster_name=cluster_name, api_version=api_version
        ),
        "ARC_GATEWAY_ID": gateway_id,
    }


def convert_environment(
    *, cluster_id: Value, api_version: str, body: Value, timeout_seconds: int
) -> dict[str, Value | str]:
    """What convert.sh reads: the connected cluster to take over, and the body to PUT over it."""
    return {
        "ARC_CLUSTER_ID": cluster_id,
        "ARC_API_VERSION": api_version,
        "ARC_CLUSTER_BODY": body,
        "ARC_TIMEOUT_SECONDS": str(int(timeout_seconds)),
    }


# What ci_proxy_bypass.sh does: the CLI's ensure (`add`, the Command's create and update) or its
# remove (`remove`, the Command's delete). A constant of the step, not a value: it is the script's
# first line, since create and delete share one environment.
CiBypassMode = Literal["add", "remove"]


def ci_proxy_bypass_text(mode: CiBypassMode) -> str:
    """ci_proxy_bypass.sh as the Command runs it for `mode`."""
    return f"ARC_CI_BYPASS={mode}\n{text('ci_proxy_bypass')}"
