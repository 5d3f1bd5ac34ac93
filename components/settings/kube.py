"""The kube target: which cluster (kubeconfig read, context chosen, minified) and what it is
(distribution and infrastructure, detected from its nodes for `auto`)."""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from components import detection
from components.schema import NAMESPACE

from .model import KubeTarget
from .raw import _INVALID, _did_you_mean, _exists, _Report

# libyaml's parser when the wheel has it: kubeconfig and stack files can be large in fleets.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml's emitter, likewise: writing each cluster's minified kubeconfig was half of `load` for a
# large fleet with the pure one. The two write printable-ASCII documents byte for byte alike, but
# fold and quote escaped strings differently, so any other document goes to the pure one: the
# minified text is the provider's input in state and must not change with the wheel.
_C_DUMPER: type | None = getattr(yaml, "CSafeDumper", None)
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")

# The az CLI's `Distribution_Enum_Values` (connectedk8s `_constants.py`).
DISTRIBUTIONS = (
    "generic", "openshift", "rancher_rke", "kind", "k3s", "minikube", "gke", "eks", "aks",
    "aks_management", "aks_workload", "capz", "aks_engine", "tkg", "canonical", "karbon",
    "aks_edge_k3s", "aks_edge_k8s",
)  # fmt: skip
# The well-known part of the CLI's `Infrastructure_Enum_Values`; the CLI also accepts many Windows
# SKU strings, so an unlisted value is a warning, and ARM takes free strings.
INFRASTRUCTURES = (
    "generic", "azure", "aws", "gcp", "azure_stack_hci", "azure_stack_hub", "azure_stack_edge",
    "vsphere", "windows_server",
)  # fmt: skip
# Our explicit opt-in to the CLI's node heuristics (the CLI runs them when it sees `generic`).
AUTO = "auto"
# Offline/testing hook: a `kubectl get nodes -o json` dump read instead of the live cluster
# (`python -m components.plan --nodes-file PATH` sets it).
NODES_FILE_ENV = "ARC_ONBOARDING_NODES_FILE"
# `kubeconfig: in-cluster`: the pod's service account (an operator inside the cluster it onboards).
IN_CLUSTER = "in-cluster"


def _check_distribution(value: Any, report: _Report) -> str | None:
    if value is _INVALID:
        return None
    assert isinstance(value, str)  # _coerce lets only a string through, the default included
    if value not in DISTRIBUTIONS and value != AUTO:
        report.error(
            "distribution",
            f"must be one of {', '.join(DISTRIBUTIONS)}, or {AUTO}{_did_you_mean(value, DISTRIBUTIONS)}",
        )
        return None
    return value


def _check_infrastructure(value: Any, report: _Report) -> str | None:
    if value is _INVALID:
        return None
    assert isinstance(value, str)  # _coerce lets only a string through, the default included
    if not value.strip() or "\n" in value:
        report.error("infrastructure", "must be a non-empty single-line string")
        return None
    if value not in INFRASTRUCTURES and value != AUTO:
        report.warn(
            "infrastructure",
            f"{value!r} is not one of {', '.join(INFRASTRUCTURES)}{_did_you_mean(value, INFRASTRUCTURES)}; "
            "it is sent to ARM as given",
        )
    return value


def _detect(
    distribution: str, infrastructure: str, kube: KubeTarget, environ: Mapping[str, str], report: _Report
) -> tuple[str | None, str | None]:
    """Resolve `auto` from the target's nodes, as the CLI's heuristics would; (None, None) if unreadable."""
    if AUTO not in (distribution, infrastructure):
        return distribution, infrastructure
    key = "distribution" if distribution == AUTO else "infrastructure"
    try:
        nodes = detection.parse_nodes(_nodes_json(kube, environ))
    except detection.NodesError as error:
        # The failure is this cluster's, even when `auto` came from a fleet default: name the item.
        report.item_error(key, f"{AUTO}: {error}")
        return None, None
    return (
        detection.detect_distribution(nodes) if distribution == AUTO else distribution,
        detection.detect_infrastructure(nodes, INFRASTRUCTURES) if infrastructure == AUTO else infrastructure,
    )


def _nodes_json(kube: KubeTarget, environ: Mapping[str, str]) -> str:
    fixture = environ.get(NODES_FILE_ENV)
    if fixture:
        try:
            return Path(fixture).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise detection.NodesError(f"the nodes file {fixture} ({NODES_FILE_ENV}) cannot be read") from None
    if kube.path == IN_CLUSTER:
        return detection.read_nodes(None, None, environ)
    if kube.content is None:
        raise detection.NodesError(f"needs the cluster, but the kubeconfig {kube.path} does not exist here")
    return detection.read_nodes(kube.path, kube.context, environ)


# A kubeconfig's contexts, clusters and users, each section by entry name.
_Index = Mapping[str, Mapping[Any, Mapping[str, Any]]]


@functools.lru_cache(maxsize=32)
def _read_kubeconfig(path: Path, stamp: tuple[int, int]) -> tuple[Any, _Index]:
    """A fleet shares kubeconfig files: parse and index each once per change (`stamp`), not once
    per cluster, so that finding a fleet's contexts takes linear time, not quadratic."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}  # noqa: S506  # a safe loader (YAML_LOADER)
    return document, _index_kubeconfig(document)


def _index_kubeconfig(document: Any) -> _Index:
    """Each section's entries by name; of a repeated name the first, as a scan from the top finds it.
    A name YAML made a list or mapping cannot be looked up (kubectl would reject it anyway)."""
    index: dict[str, dict[Any, Mapping[str, Any]]] = {}
    for section in ("contexts", "clusters", "users"):
        entries = document.get(section) if isinstance(document, dict) else None
        by_name = index[section] = {}
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict):
                with contextlib.suppress(TypeError):  # unhashable
                    by_name.setdefault(entry.get("name"), entry)
    return index


def _resolve_kube(
    file: Any,
    context: Any,
    context_secret: bool,
    project_dir: Path,
    environ: Mapping[str, str],
    report: _Report,
) -> KubeTarget | None:
    if file is _INVALID or context is _INVALID:
        return None
    if context is not None and not context.strip():
        report.error("kubeContext", "must not be empty")
        return None
    if file == IN_CLUSTER:
        if context is not None:
            report.error("kubeContext", "cannot be combined with kubeconfig: in-cluster")
            return None
        return KubeTarget(path=IN_CLUSTER, content=None, context=None, context_source=IN_CLUSTER)
    if file is None:
        listed = environ.get("KUBECONFIG", "").split(os.pathsep)[0]
        path = Path(listed) if listed else Path(environ.get("HOME", "~")) / ".kube" / "config"
    else:
        try:
            path = project_dir / Path(file).expanduser()
        except RuntimeError:  # `~user/...` for a user this machine does not know
            report.error("kubeconfig", f"{file}: cannot expand ~ (no such user's home); give the path")
            return None
    shown = str(path)
    source = "kubeContext" if context else "current-context"
    retry = f"point `{NAMESPACE}:kubeconfig` (or $KUBECONFIG) at the cluster's kubeconfig file"
    if not _exists(path):
        report.warn(
            "kubeconfig",
            f"{shown} does not exist here; `pulumi up` needs it (the kubernetes provider will fail)",
        )
        return KubeTarget(path=shown, content=None, context=context, context_source=source)
    try:
        stat = path.stat()
        document, index = _read_kubeconfig(path, (stat.st_mtime_ns, stat.st_size))
    except OSError as error:
        report.error("kubeconfig", f"{shown} cannot be read ({error.strerror}); {retry}")
        return None
    except UnicodeDecodeError:
        report.error("kubeconfig", f"{shown} is not a kubeconfig (not UTF-8 text); {retry}")
        return None
    except yaml.YAMLError as error:
        # Only the problem and its line: YAML's own message quotes the file, credentials included.
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        report.error("kubeconfig", f"{shown} is not a kubeconfig ({problem}{where}); {retry}")
        return None
    contexts = document.get("contexts") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(contexts, (list, type(None))):
        report.error("kubeconfig", f"{shown} is not a kubeconfig (no `contexts:` list); {retry}")
        return None
    current = document.get("current-context")
    chosen = context or (current if isinstance(current, str) else None)
    if not chosen:
        report.error(
            "kubeContext",
            f"{shown} has no current-context; set one: `pulumi config set {NAMESPACE}:kubeContext NAME`",
        )
        return None
    shown_context = "the context" if context and context_secret else f"context {chosen!r}"
    if chosen not in index["contexts"]:
        key = "kubeContext" if context else "kubeconfig"
        hint = _did_you_mean(chosen, [n for n in index["contexts"] if isinstance(n, str)])
        report.error(key, f"{shown_context} is not in {shown}{hint}")
        return None
    minified = minify_kubeconfig(document, chosen, index)
    if minified is None:
        report.error(
            "kubeContext" if context else "kubeconfig",
            f"{shown_context} in {shown} names a cluster or user the file does not define; "
            "check it with `kubectl config view --minify --context NAME`",
        )
        return None
    return KubeTarget(path=shown, content=minified, context=chosen, context_source=source)


def minify_kubeconfig(document: Mapping[str, Any], context: str, index: _Index | None = None) -> str | None:
    """Only what one context needs (its context, cluster and user), as `kubectl config view
    --minify` keeps: the provider and the cleanup get no other cluster's credentials, and editing
    another context of a shared fleet kubeconfig changes nothing for this cluster. None when the
    context names a cluster or user the file does not define. `index` is the document's, when the
    caller minifies it for many contexts."""
    sections = _index_kubeconfig(document) if index is None else index

    def named(section: str, name: Any) -> Mapping[str, Any] | None:
        try:
            return sections[section].get(name)
        except TypeError:  # an unhashable name: no entry is indexed by one
            return None

    entry = named("contexts", context)
    spec = entry.get("context") if entry else None
    if not isinstance(spec, dict):
        return None
    cluster, user = named("clusters", spec.get("cluster")), named("users", spec.get("user"))
    if cluster is None or (spec.get("user") is not None and user is None):
        return None
    minimal = {
        "apiVersion": document.get("apiVersion", "v1"),
        "kind": "Config",
        "current-context": context,
        "contexts": [entry],
        "clusters": [cluster],
        "users": [user] if user is not None else [],
    }
    return yaml.dump(minimal, Dumper=_dumper_for(minimal), sort_keys=True, default_flow_style=False)


def _dumper_for(node: Any) -> type:
    """libyaml's emitter when it writes `node` as the pure one does (see _C_DUMPER), else the pure one."""
    return _C_DUMPER if _C_DUMPER is not None and _plain(node, set()) else yaml.SafeDumper


def _plain(node: Any, seen: set[int]) -> bool:
    """Only mappings with printable-ASCII string keys, lists, and printable-ASCII or plain scalars.
    A mapping or list met twice (a YAML alias, perhaps to itself) is left to the pure dumper."""
    if isinstance(node, (dict, list)):
        if id(node) in seen:
            return False
        seen.add(id(node))
    if isinstance(node, dict):
        return all(
            isinstance(k, str) and k and _PRINTABLE_ASCII.fullmatch(k) and _plain(v, seen) for k, v in node.items()
        )
    if isinstance(node, list):
        return all(_plain(item, seen) for item in node)
    if isinstance(node, str):
        return _PRINTABLE_ASCII.fullmatch(node) is not None
    return node is None or isinstance(node, (bool, int, float))
