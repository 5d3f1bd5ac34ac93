"""The kube target: which cluster (kubeconfig read, context chosen, minified) and what it is
(distribution and infrastructure, detected from its nodes for `auto`)."""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from components import detection
from components.schema import NAMESPACE

from .files import BadYaml, UnusableFile, exists, load_yaml, read_text
from .model import KubeTarget
from .raw import _INVALID, _did_you_mean, _Report

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


def _check_distribution(value: Any, secret: bool, report: _Report) -> str | None:
    if value is _INVALID:
        return None
    assert isinstance(value, str)  # _coerce lets only a string through, the default included
    if value not in DISTRIBUTIONS and value != AUTO:
        hint = "" if secret else _did_you_mean(value, DISTRIBUTIONS)  # a close match would tell the secret
        report.error("distribution", f"must be one of {', '.join(DISTRIBUTIONS)}, or {AUTO}{hint}")
        return None
    return str(value)


def _check_infrastructure(value: Any, secret: bool, report: _Report) -> str | None:
    if value is _INVALID:
        return None
    assert isinstance(value, str)  # _coerce lets only a string through, the default included
    if not value.strip() or "\n" in value:
        report.error("infrastructure", "must be a non-empty single-line string")
        return None
    if value not in INFRASTRUCTURES and value != AUTO:
        shown = "the value" if secret else repr(value)
        hint = "" if secret else _did_you_mean(value, INFRASTRUCTURES)
        report.warn(
            "infrastructure",
            f"{shown} is not one of {', '.join(INFRASTRUCTURES)}{hint}; it is sent to ARM as given",
        )
    return str(value)


def _detect_all(targets: list[tuple[str, str, KubeTarget]], environ: Mapping[str, str]) -> list[Any]:
    """Resolve each (distribution, infrastructure, target)'s `auto` from the target's nodes, as the
    CLI's heuristics would: each a (distribution, infrastructure) pair, or the NodesError.

    The reads run kubectl, and with it the kubeconfig's exec plugins (a login may hang): all of
    them at once, under one deadline, with progress on stderr while they take time."""
    live = [t for _, _, t in targets if not environ.get(NODES_FILE_ENV)]
    CONTACTED.extend(t.context or t.path for t in live)
    answers = _read_concurrently([functools.partial(_nodes_json, t, environ) for _, _, t in targets])
    out: list[Any] = []
    for (distribution, infrastructure, _), answer in zip(targets, answers, strict=True):
        try:
            if isinstance(answer, detection.NodesError):
                raise answer
            nodes = detection.parse_nodes(answer)
        except detection.NodesError as error:
            out.append(error)
            continue
        out.append(
            (
                detection.detect_distribution(nodes) if distribution == AUTO else distribution,
                detection.detect_infrastructure(nodes, INFRASTRUCTURES) if infrastructure == AUTO else infrastructure,
            )
        )
    return out


# The targets `auto` read live in this process: the offline plan says so in its header.
CONTACTED: list[str] = []
# One deadline for all reads of a run; kubectl's own timeout (detection.PROCESS_TIMEOUT) is shorter.
DETECTION_DEADLINE = 90.0
DETECTION_WORKERS = 16
# Quiet when the reads are quick; then a line every few seconds.
_PROGRESS_AFTER, _PROGRESS_EVERY = 2.0, 5.0


def _read_concurrently(reads: list[Callable[[], str]]) -> list[Any]:
    """Each read's text or NodesError. Daemon threads: a read still hanging at the deadline (an exec
    plugin waiting for a login) is abandoned, and does not keep the process alive."""
    deadline = DETECTION_DEADLINE
    answers: list[Any] = [None] * len(reads)
    pending = queue.SimpleQueue[int]()
    for index in range(len(reads)):
        pending.put(index)
    finished = threading.Condition()
    done = 0

    def work() -> None:
        nonlocal done
        while True:
            try:
                index = pending.get_nowait()
            except queue.Empty:
                return
            try:
                answer: Any = reads[index]()
            except detection.NodesError as error:
                answer = error
            with finished:
                answers[index] = answer
                done += 1
                finished.notify()

    for _ in range(min(DETECTION_WORKERS, len(reads))):
        threading.Thread(target=work, name="arc-detect", daemon=True).start()
    started = time.monotonic()
    report_at = started + _PROGRESS_AFTER
    with finished:
        while done < len(reads):
            now = time.monotonic()
            if now >= started + deadline:
                break
            if now >= report_at:
                print(
                    f"{NAMESPACE}: `auto`: reading the nodes of {len(reads)} cluster(s) with kubectl: {done} done "
                    f"after {now - started:.0f}s (deadline {deadline:.0f}s)",
                    file=sys.stderr,
                    flush=True,
                )
                report_at = now + _PROGRESS_EVERY
            finished.wait(timeout=max(0.0, min(report_at, started + deadline) - now))
        return [
            answer if answer is not None else detection.NodesError(f"no answer within {deadline:.0f}s (kubectl)")
            for answer in answers
        ]


def _nodes_json(kube: KubeTarget, environ: Mapping[str, str]) -> str:
    fixture = environ.get(NODES_FILE_ENV)
    if fixture:
        try:
            return read_text(Path(fixture))
        except (OSError, UnicodeDecodeError, UnusableFile):
            raise detection.NodesError(f"the nodes file {fixture} ({NODES_FILE_ENV}) cannot be read") from None
    if kube.path == IN_CLUSTER:
        return detection.read_nodes(None, None, environ)
    if kube.content is None:
        raise detection.NodesError(f"needs the cluster, but the kubeconfig {kube.path} does not exist here")
    if os.pathsep in kube.path:  # $KUBECONFIG's list: kubectl merges it as this program did
        return detection.read_nodes(None, kube.context, {**environ, "KUBECONFIG": kube.path})
    return detection.read_nodes(kube.path, kube.context, environ)


# A kubeconfig's contexts, clusters and users, each section by entry name.
_Index = Mapping[str, Mapping[Any, Mapping[str, Any]]]


@functools.lru_cache(maxsize=32)
def _read_kubeconfig(path: Path, stamp: tuple[int, int]) -> tuple[Any, _Index]:
    """A fleet shares kubeconfig files: parse and index each once per change (`stamp`), not once
    per cluster, so that finding a fleet's contexts takes linear time, not quadratic."""
    document = load_yaml(read_text(path))
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
                with contextlib.suppress(TypeError):  # an unhashable name
                    by_name.setdefault(entry.get("name"), entry)
    return index


_RETRY = f"point `{NAMESPACE}:kubeconfig` (or $KUBECONFIG) at the cluster's kubeconfig file"


def _load_kubeconfig(path: Path, report: _Report) -> tuple[dict[str, Any], _Index] | None:
    """One kubeconfig file's document and index, or None (reported)."""
    try:
        stat = path.stat()
        document, index = _read_kubeconfig(path, (stat.st_mtime_ns, stat.st_size))
    except OSError as error:
        report.error("kubeconfig", f"{path} cannot be read ({error.strerror}); {_RETRY}")
        return None
    except UnusableFile as error:
        report.error("kubeconfig", f"{path} cannot be read ({error}); {_RETRY}")
        return None
    except UnicodeDecodeError:
        report.error("kubeconfig", f"{path} is not a kubeconfig (not UTF-8 text); {_RETRY}")
        return None
    except BadYaml as error:  # its text quotes nothing of the file, which holds credentials
        report.error("kubeconfig", f"{path} is not a kubeconfig ({error}); {_RETRY}")
        return None
    if document is None:
        report.error("kubeconfig", f"{path} is empty; {_RETRY}")
        return None
    contexts = document.get("contexts") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(contexts, (list, type(None))):
        report.error("kubeconfig", f"{path} is not a kubeconfig (no `contexts:` list); {_RETRY}")
        return None
    return document, index


def _merge_kubeconfigs(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """$KUBECONFIG's files merged as kubectl merges them: the first file to set a value wins, for
    current-context and for each named context, cluster and user (the index keeps a name's first)."""
    merged: dict[str, Any] = {"apiVersion": documents[0].get("apiVersion", "v1")}
    currents = [d.get("current-context") for d in documents]
    merged["current-context"] = next((c for c in currents if c), None)
    for section in ("contexts", "clusters", "users"):
        merged[section] = [e for d in documents if isinstance(d.get(section), list) for e in d[section]]
    return merged


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
        # kubectl's rule: $KUBECONFIG is a list; empty entries and missing files are skipped.
        listed = [Path(p) for p in environ.get("KUBECONFIG", "").split(os.pathsep) if p]
        paths = listed or [Path(environ.get("HOME", "~")) / ".kube" / "config"]
    else:
        try:
            paths = [project_dir / Path(file).expanduser()]
        except RuntimeError:  # `~user/...` for a user this machine does not know
            report.error("kubeconfig", f"{file}: cannot expand ~ (no such user's home); give the path")
            return None
    shown = os.pathsep.join(str(p) for p in paths)
    source = "kubeContext" if context else "current-context"
    present = [p for p in paths if exists(p)]
    if not present:
        report.warn(
            "kubeconfig",
            f"{shown} does not exist here; `pulumi up` needs it (the kubernetes provider will fail)",
        )
        return KubeTarget(path=shown, content=None, context=context, context_source=source)
    shown = os.pathsep.join(str(p) for p in present)  # the files read, for messages and kubectl
    loaded = [_load_kubeconfig(p, report) for p in present]
    documents = [one for one in loaded if one is not None]
    if len(documents) != len(loaded):
        return None
    if len(documents) == 1:
        document, index = documents[0]
        origins: Mapping[int, str] | str = _origin(present[0])
    else:
        document = _merge_kubeconfigs([d for d, _ in documents])
        index = _index_kubeconfig(document)
        # Each entry's files are relative to the file it came from (merging keeps the entry objects).
        origins = {
            id(entry): _origin(path)
            for path, (one, _) in zip(present, documents, strict=True)
            for section in ("clusters", "users")
            for entry in _entries(one, section)
        }
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
        names = [n for n in index["contexts"] if isinstance(n, str)]
        # A close match, or the list, would tell a secret context.
        hint = "" if context and context_secret else _did_you_mean(chosen, names) or _contexts_listed(names)
        report.error(key, f"{shown_context} is not in {shown}{hint}")
        return None
    minified = minify_kubeconfig(document, chosen, index, origins)
    if minified is None:
        report.error(
            "kubeContext" if context else "kubeconfig",
            f"{shown_context} in {shown} names a cluster or user the file does not define; "
            "check it with `kubectl config view --minify --context NAME`",
        )
        return None
    return KubeTarget(path=shown, content=minified, context=chosen, context_source=source)


# Enough to recognise the intended one; `kubectl config get-contexts` lists them all.
_LISTED_CONTEXTS = 10


def _contexts_listed(names: list[str]) -> str:
    """`; its contexts: a, b (and 3 more: kubectl config get-contexts)`, when nothing is close."""
    if not names:
        return "; the file has no contexts"
    shown = ", ".join(repr(n) for n in names[:_LISTED_CONTEXTS])
    more = (
        f" and {len(names) - _LISTED_CONTEXTS} more: `kubectl config get-contexts`"
        if len(names) > _LISTED_CONTEXTS
        else ""
    )
    return f"; its contexts: {shown}{more}"


def _entries(document: Mapping[str, Any], section: str) -> list[Any]:
    entries = document.get(section)
    return entries if isinstance(entries, list) else []


# Go's filepath.Abs, Join and Clean, which kubectl uses, are os.path's abspath, join and normpath:
# lexical, symbolic links not followed (Path.resolve follows them).
def _origin(path: Path) -> str:
    """The directory kubectl resolves a file's relative references against: filepath.Abs of the
    file's directory (client-go clientcmd/loader.go, ResolveLocalPaths)."""
    return os.path.abspath(os.path.dirname(path))  # noqa: PTH100, PTH120


def _absolute_references(section: str, entry: Mapping[str, Any], base: str | None) -> Mapping[str, Any]:
    """`entry` with its file references made absolute against `base`, as kubectl does when it loads
    the file (client-go tools/clientcmd/loader.go, GetClusterFileReferences and
    GetAuthInfoFileReferences, kubernetes commit 03ced770): a cluster's certificate-authority; a
    user's client-certificate, client-key, tokenFile, and exec.command when it names a path (holds
    a separator; a bare name is looked up on PATH). The minified text is written to a temporary
    file elsewhere: left relative, kubectl would look for them there (in $TMPDIR). Not inlined as
    `*-data`: a tokenFile is read anew for each request (rotated tokens), and a plugin is a program."""
    names: tuple[str, ...]
    if section == "clusters":
        field, names = "cluster", ("certificate-authority",)
    else:
        field, names = "user", ("client-certificate", "client-key", "tokenFile")
    body = entry.get(field)
    if base is None or not isinstance(body, dict):
        return entry

    def resolved(value: Any) -> Any:
        if isinstance(value, str) and value and not os.path.isabs(value):  # noqa: PTH117
            return os.path.normpath(os.path.join(base, value))  # noqa: PTH118
        return value

    changed = {name: resolved(body[name]) for name in names if resolved(body.get(name)) != body.get(name)}
    plugin = body.get("exec")
    if field == "user" and isinstance(plugin, dict):
        command = plugin.get("command")
        if isinstance(command, str) and os.sep in command and resolved(command) != command:
            changed["exec"] = {**plugin, "command": resolved(command)}
    return {**entry, field: {**body, **changed}} if changed else entry


def minify_kubeconfig(
    document: Mapping[str, Any],
    context: str,
    index: _Index | None = None,
    origins: Mapping[int, str] | str | None = None,
) -> str | None:
    """Only what one context needs (its context, cluster and user), as `kubectl config view
    --minify` keeps: the provider and the cleanup get no other cluster's credentials, and editing
    another context of a shared fleet kubeconfig changes nothing for this cluster. None when the
    context names a cluster or user the file does not define. `index` is the document's, when the
    caller minifies it for many contexts. `origins`: the directory of the file the document came
    from, or each entry's (by id, for merged files); relative file references become absolute
    against it. None leaves them as written."""
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

    def origin(entry: Mapping[str, Any]) -> str | None:
        return origins if isinstance(origins, str) or origins is None else origins.get(id(entry))

    cluster = _absolute_references("clusters", cluster, origin(cluster))
    user = _absolute_references("users", user, origin(user)) if user is not None else None
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
