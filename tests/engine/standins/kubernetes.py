"""STAND-IN for the `kubernetes` provider 4.34.2 (`pulumi-resource-kubernetes`): no API server here.

Objects and Helm releases live in `<world>/kubernetes.json`, per cluster (the provider's
context, else its `clusterIdentifier`). Rules of the real provider (pulumi/pulumi-kubernetes at
94977969d64112b04e19945818a7d5d5f38f631d, v4.32.0+27, the commit the reference notes read:
provider/pkg/provider/provider.go, diff.go, helm_release.go, await/await.go, await/job.go,
clients/unstructured.go) and of Kubernetes/Helm (helm.sh/helm/v3 v3.21.4 pkg/action/install.go)
applied here:
- DiffConfig: with `clusterIdentifier` set, the provider is replaced only when it changes
  (provider.go DiffConfig, since 4.16.0);
- Diff (provider.go `Diff`) compares the new inputs with the *live* object pruned to the old
  inputs' shape (`pruneLiveState`), both normalized (`normalizeInputs`: a Secret's `stringData` is
  folded into base64 `data`, clients/unstructured.go `normalizeSecret`), path by path
  (`convertPatchToDiff`); a change under a forceNew path replaces (diff.go `forceNewProperties`):
  `metadata.name`/`metadata.namespace` always, a Secret's `type`, `stringData` and `data` (unless the
  provider sets `enableSecretMutable`, which this program does not), a Job's `spec.template`,
  `spec.selector`, `spec.completions`, `spec.parallelism`; a named object is replaced delete-first
  (`deleteBeforeReplace`: named, same name and namespace);
- Create of an object that exists fails with the API server's AlreadyExists, upsert being off by
  default (provider.go Create: "resource ... was not successfully created by the Kubernetes API
  server"); a namespaced object needs its namespace;
- deleting a Namespace deletes what is in it (Kubernetes namespace finalization);
- a Job is awaited until Complete; a Job whose Pod fails (backoffLimit reached) is a partial failure:
  it stays in the state and the error quotes the failed Pod's termination message (await/job.go;
  the message format is provider.go `initializationError`);
- Read of a Job that is not Complete is a partial failure too (await/job.go `jobInitAwaiter.Read`
  returns an `initializationError`, await.go `Read` and provider.go `Read` turn it into
  `partialError` with the live object): a refresh keeps the Job's init errors;
- a Job with the `pulumi.com/replaceUnready: "true"` annotation that is not ready when diffed is
  replaced (provider.go `Diff`, reading the live Job);
- a Helm Release: name and namespace are forceNew (helm_release.go `forceNewFields`), anything else
  is an in-place `helm upgrade` (revision + 1); `createNamespace` creates the namespace; an install
  whose release exists fails with Helm's "cannot re-use a name that is still in use"; a failed
  install with `atomic` is uninstalled by Helm (install.go `failRelease`: "release %s failed, and
  has been uninstalled due to atomic being set") and, since the release no longer exists,
  `helmCreate` returns that error as is: a plain failure, nothing recorded in the state;
- Release Read (helm_release.go `Read`) returns the stored `__inputs` unchanged as the inputs and
  the live release in the outputs (its deployed chart `version`, `status.revision`); a release
  that is not there is "deleted";
- Release Diff (helm_release.go `Diff`) sets an ignored `version` to the *old outputs'* version
  (the live one), then compares by a three-way merge of the old inputs, the new inputs and the old
  state; Release Update does neither: it upgrades to the version in the new inputs.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from . import provider, rpc, world
from .provider import MISSING, Diff, Kind, PartialFailure, Plugin, ProviderError, value_changes

PLUGIN = Plugin("kubernetes", "4.34.2", {})
# Two of the CRDs the Arc agents' chart brings (AzureCloud suffix).
CHART_CRDS = ("connectedclusters.arc.azure.com", "extensionconfigs.clusterconfig.azure.com")
PLUGIN.config_replaces = lambda olds, news: (
    ["clusterIdentifier"] if olds.get("clusterIdentifier") != news.get("clusterIdentifier") else []
)


def cluster() -> str:
    # Keyed by context, as the fake kubectl of the cleanup script addresses the cluster.
    return PLUGIN.config.get("context") or PLUGIN.config.get("clusterIdentifier") or "default"


def _key(kind: str, namespace: str | None, name: str) -> str:
    return f"{cluster()}|{kind}|{namespace or ''}/{name}"


def _prune(live: Any, shape: Any) -> Any:
    """provider.go `pruneLiveState`/`pruneMap`: the live object cut to the keys the inputs have."""
    if isinstance(live, dict) and isinstance(shape, dict):
        return {k: _prune(live[k], v) for k, v in shape.items() if k in live}
    if isinstance(live, list) and isinstance(shape, list) and len(shape) == len(live):
        return [_prune(a, b) for a, b in zip(live, shape, strict=True)]
    return live


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((f"{prefix}.", f"{prefix}["))


class ObjectKind(Kind):
    kind = ""
    namespaced = True
    # diff.go `forceNew`, without the leading dot (the detailed diff's paths have none).
    force_new: tuple[str, ...] = ()

    def _names(self, inputs: dict[str, Any]) -> tuple[str | None, str]:
        metadata = inputs.get("metadata", {})
        return (metadata.get("namespace") or "default") if self.namespaced else None, metadata["name"]

    def normalize(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """provider.go `normalizeInputs`: read-only metadata dropped, the namespace made explicit."""
        metadata = {
            k: v
            for k, v in inputs.get("metadata", {}).items()
            if k not in ("creationTimestamp", "generation", "managedFields", "resourceVersion", "uid")
        }
        if self.namespaced:
            metadata["namespace"] = metadata.get("namespace") or "default"
        return {**inputs, "metadata": metadata}

    def diff(self, old_inputs, olds, news) -> Diff:
        pruned = self.normalize(_prune(olds, old_inputs) if olds else old_inputs)
        new_normal = self.normalize(news)
        detailed: dict[str, str] = {}
        for key in sorted({*pruned, *new_normal}):
            for path, kind in value_changes(pruned.get(key, MISSING), new_normal.get(key, MISSING), key):
                forced = ("metadata.name", "metadata.namespace", *self.force_new)
                if any(_under(path, f) or _under(f, path) for f in forced):
                    kind += "_REPLACE"
                detailed[path] = kind
        replaces = [path for path, kind in detailed.items() if kind.endswith("_REPLACE")]
        if self.replace_unready(news, olds):
            replaces.append('metadata.annotations["pulumi.com/replaceUnready"]')
        old_meta, new_meta = olds.get("metadata", {}), new_normal["metadata"]
        delete_first = bool(replaces) and all(old_meta.get(k) == new_meta.get(k) for k in ("name", "namespace"))
        changed = sorted({p.split(".")[0].split("[")[0] for p in detailed})
        return Diff(changed=changed, replaces=replaces, delete_before_replace=delete_first, detailed=detailed)

    def diff_with(self, old_inputs, olds, news, ignore_changes) -> Diff:
        """provider.go `Diff` drops detailed-diff paths under an ignored path (`ignorePath.Contains`)."""
        diff = self.diff(old_inputs, olds, news)
        if not ignore_changes or diff.detailed is None:
            return diff
        detailed = {p: k for p, k in diff.detailed.items() if not any(_under(p, i) for i in ignore_changes)}
        replaces = [p for p in diff.replaces if p in detailed or p.startswith("metadata.annotations[")]
        changed = sorted({p.split(".")[0].split("[")[0] for p in detailed})
        return Diff(changed, replaces, diff.delete_before_replace and bool(replaces), detailed)

    def replace_unready(self, news: dict[str, Any], olds: dict[str, Any]) -> bool:
        return False

    def live(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """What the API server returns for what was applied. A Secret keeps `stringData` as applied
        (the API server would fold it into base64 `data`): the stand-in's outputs cannot be marked
        secret (Configure answers acceptSecrets=false, and the engine then marks an output secret by
        its input's name), and the Diff normalizes both sides as the real one does."""
        normal = ObjectKind.normalize(self, inputs)
        metadata = {
            **normal["metadata"],
            "uid": str(uuid.uuid4()),
            "creationTimestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        return {**normal, "metadata": metadata}

    def create(self, name, inputs):
        namespace, object_name = self._names(inputs)
        with world.locked("kubernetes") as state:
            objects = state.setdefault("objects", {})
            if namespace is not None and _key("Namespace", None, namespace) not in objects:
                raise ProviderError(
                    f'resource {namespace}/{object_name} was not successfully created by the Kubernetes API server: namespaces "{namespace}" not found'
                )
            key = _key(self.kind, namespace, object_name)
            if key in objects:
                shown = f"{namespace}/{object_name}" if namespace else object_name
                raise ProviderError(
                    f'resource {shown} was not successfully created by the Kubernetes API server: {self.kind.lower()}s "{object_name}" already exists'
                )
            objects[key] = self.live(inputs)
            created = objects[key]
        return (f"{namespace}/{object_name}" if namespace else object_name), created

    def read(self, id_, olds, inputs):
        namespace, _, object_name = id_.rpartition("/")
        live = world.read("kubernetes").get("objects", {}).get(_key(self.kind, namespace or None, object_name))
        if live is None:
            return "", {}, {}
        # provider.go `Read`: the inputs returned are the live object pruned to the old inputs' shape.
        return id_, live, _prune(live, inputs) if inputs else live

    def update(self, id_, olds, news):
        namespace, object_name = self._names(news)
        with world.locked("kubernetes") as state:
            objects = state.setdefault("objects", {})
            key = _key(self.kind, namespace, object_name)
            objects[key] = {
                **self.live(news),
                "metadata": {**self.live(news)["metadata"], "uid": objects.get(key, {}).get("metadata", {}).get("uid")},
            }
            return objects[key]

    def delete(self, id_, olds):
        namespace, _, object_name = id_.rpartition("/")
        with world.locked("kubernetes") as state:
            state.setdefault("objects", {}).pop(_key(self.kind, namespace or None, object_name), None)


class Namespace(ObjectKind):
    token, kind, namespaced = "kubernetes:core/v1:Namespace", "Namespace", False

    def live(self, inputs):
        return {**super().live(inputs), "status": {"phase": "Active"}}

    def delete(self, id_, olds):
        with world.locked("kubernetes") as state:
            objects = state.setdefault("objects", {})
            for key in [
                k
                for k in objects
                if k.split("|")[0] == cluster()
                and (k.split("|")[2].startswith(f"{id_}/") or k == _key("Namespace", None, id_))
            ]:
                del objects[key]
            for key in [k for k in state.setdefault("releases", {}) if k.startswith(f"{cluster()}|{id_}/")]:
                del state["releases"][key]


class Secret(ObjectKind):
    token, kind = "kubernetes:core/v1:Secret", "Secret"
    force_new = ("type", "stringData", "data")

    def normalize(self, inputs):
        """clients/unstructured.go `normalizeSecret`: `stringData` overwrites `data`, base64-encoded,
        as the API server stores it (skipped while a value is unknown: `hasComputedValue`)."""
        normal = super().normalize(inputs)
        string_data = normal.pop("stringData", None)
        if not string_data or rpc.has_unknown(string_data):
            if string_data:
                normal["stringData"] = string_data
            return normal
        encoded = {k: base64.b64encode(str(v).encode()).decode() for k, v in string_data.items()}
        normal["data"] = {**normal.get("data", {}), **encoded}
        return normal


def _complete(job: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "Complete" and c.get("status") == "True"
        for c in (job.get("status") or {}).get("conditions", [])
    )


class Job(ObjectKind):
    token, kind = "kubernetes:batch/v1:Job", "Job"
    force_new = ("spec.completions", "spec.parallelism", "spec.selector", "spec.template")

    def replace_unready(self, news, olds):
        """provider.go `Diff`: with `pulumi.com/replaceUnready: "true"`, the *live* Job (read now,
        errors ignored) is checked for readiness; an unready one is replaced."""
        annotations = news.get("metadata", {}).get("annotations") or {}
        if annotations.get("pulumi.com/replaceUnready") != "true" or not olds.get("metadata"):
            return False
        namespace, name = olds["metadata"].get("namespace"), olds["metadata"]["name"]
        live = world.read("kubernetes").get("objects", {}).get(_key("Job", namespace, name))
        return live is not None and not _complete(live)

    def read(self, id_, olds, inputs):
        found_id, live, live_inputs = super().read(id_, olds, inputs)
        if found_id and not _complete(live):
            # await/job.go `jobInitAwaiter.Read`: not ready is an `initializationError`, which
            # provider.go `Read` returns as a partial error carrying the live object.
            name = id_.rpartition("/")[2]
            raise PartialFailure(f"Resource '{name}' was created but failed to initialize", id_, live, live_inputs)
        return found_id, live, live_inputs

    def create(self, name, inputs):
        id_, live = super().create(name, inputs)
        fault = world.take_fault("kubernetes", "job-fails", id_)
        if fault is None:
            live = self._finish(id_, {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]})
            return id_, live
        live = self._finish(
            id_, {"failed": 2, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}
        )
        raise PartialFailure(
            f"resource {id_} was successfully created, but the Kubernetes API server reported that it failed to fully "
            f"initialize or become live: Job has reached the specified backoff limit: [BackoffLimitExceeded]; "
            f"Pod {id_}-{uuid.uuid4().hex[:5]}: [Error] {fault['message']}",
            id_,
            live,
            inputs,
        )

    def _finish(self, id_: str, status: dict[str, Any]) -> dict[str, Any]:
        namespace, _, object_name = id_.rpartition("/")
        with world.locked("kubernetes") as state:
            live: dict[str, Any] = state["objects"][_key("Job", namespace, object_name)]
            live["status"] = status
            return live


def _three_way(original: Any, modified: dict[str, Any], current: dict[str, Any], path: str) -> list[tuple[str, str]]:
    """The paths of `strategicpatch.CreateThreeWayMergePatch(original, modified, current)` (no
    schema, as helm_release.go `Diff` calls it): what `modified` sets differently from `current`,
    and what it dropped from `original`; keys only the state has (status, ...) are no change."""
    original = original if isinstance(original, dict) else {}
    found: list[tuple[str, str]] = []
    for key, new in modified.items():
        where = provider.path_join(path, key)
        old = current.get(key, MISSING)
        if isinstance(new, dict) and isinstance(old, dict):
            found += _three_way(original.get(key), new, old, where)
        elif old is MISSING or old is None:
            if new is not None:
                found.append((where, "ADD"))
        elif new != old:
            found.append((where, "UPDATE"))
    found += [(provider.path_join(path, k), "DELETE") for k in original if k not in modified and k in current]
    return found


class Release(Kind):
    token = "kubernetes:helm.sh/v3:Release"

    def diff(self, old_inputs, olds, news) -> Diff:
        return self.diff_with(old_inputs, olds, news, [])

    def diff_with(self, old_inputs, olds, news, ignore_changes) -> Diff:
        """helm_release.go `Diff`: an ignored `version` takes the old *outputs'* version (the
        deployed chart), then a three-way merge of old inputs, new inputs and old state; `name`
        and `namespace` are forceNew; never delete-first."""
        news = dict(news)
        if "version" in ignore_changes:
            news["version"] = olds.get("version")
        old_inputs = {k: v for k, v in old_inputs.items() if k not in ("checksum", "resourceNames")}
        detailed = {
            path: kind + ("_REPLACE" if path.split(".")[0] in ("name", "namespace") else "")
            for path, kind in _three_way(old_inputs, news, olds or old_inputs, "")
        }
        replaces = [path for path, kind in detailed.items() if kind.endswith("_REPLACE")]
        changed = sorted({p.split(".")[0].split("[")[0] for p in detailed})
        return Diff(changed=changed, replaces=replaces, detailed=detailed)

    def _status(self, release: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": release["name"],
            "namespace": release["namespace"],
            "chart": release["chart"],
            "version": release["version"],
            "appVersion": release["version"],
            "revision": release["revision"],
            "status": release["status"],
        }

    def _outputs(self, inputs: dict[str, Any], release: dict[str, Any]) -> dict[str, Any]:
        return {**inputs, "version": release["version"], "status": self._status(release)}

    def create(self, name, inputs):
        namespace, release_name = inputs.get("namespace") or "default", inputs["name"]
        id_ = f"{namespace}/{release_name}"
        with world.locked("kubernetes") as state:
            objects, releases = state.setdefault("objects", {}), state.setdefault("releases", {})
            if _key("Namespace", None, namespace) not in objects:
                if not inputs.get("createNamespace"):
                    raise ProviderError(
                        f'failed to create helm release "{release_name}": create: failed to create: namespaces "{namespace}" not found'
                    )
                objects[_key("Namespace", None, namespace)] = {
                    "metadata": {"name": namespace},
                    "status": {"phase": "Active"},
                }
            key = f"{cluster()}|{id_}"
            if key in releases:
                raise ProviderError(
                    f'failed to create helm release "{release_name}": cannot re-use a name that is still in use'
                )
            release = {
                "name": release_name,
                "namespace": namespace,
                "chart": inputs["chart"],
                "version": inputs.get("version", ""),
                "revision": 1,
                "status": "deployed",
                "values": inputs.get("values", {}),
            }
            fault = world.take_fault("kubernetes", "helm-install-fails", id_)
            if fault is None:
                releases[key] = release
                # The agents' chart installs its CRDs, which `helm uninstall` leaves behind (Helm docs,
                # "Custom Resource Definitions": CRDs are never deleted by Helm); the cleanup removes them.
                for crd in CHART_CRDS:
                    objects.setdefault(_key("CustomResourceDefinition", None, crd), {"metadata": {"name": crd}})
        if fault is not None and inputs.get("atomic"):
            # install.go `failRelease` with Atomic uninstalls the release and wraps the error; the
            # release no longer exists, so helm_release.go `helmCreate` returns the error as is and
            # `Create` fails without a partial state: nothing is recorded.
            raise ProviderError(
                f"release {release_name} failed, and has been uninstalled due to atomic being set: {fault['message']}"
            )
        if fault is not None:
            # Without atomic, Helm records the failed release: `helmCreate` returns a
            # `releaseFailedError` and `Create` a partial failure, so the state keeps the release.
            failed = {**release, "status": "failed"}
            with world.locked("kubernetes") as state:
                state.setdefault("releases", {})[f"{cluster()}|{id_}"] = failed
            raise PartialFailure(
                f'Helm release "{id_}" was created, but failed to initialize completely. Use Helm CLI to investigate: '
                f"failed to become available within allocated timeout. Error: Helm Release {id_}: {fault['message']}",
                id_,
                self._outputs(inputs, failed),
                inputs,
            )
        return id_, self._outputs(inputs, release)

    def read(self, id_, olds, inputs):
        """helm_release.go `Read`: the live release in the outputs (`setReleaseAttributes`: the
        deployed chart version, status and revision), the stored inputs returned unchanged; an
        import (no stored inputs) takes its inputs from the live release."""
        release = world.read("kubernetes").get("releases", {}).get(f"{cluster()}|{id_}")
        if release is None:
            return "", {}, {}
        if not inputs:
            inputs = {k: release[k] for k in ("name", "namespace", "chart", "version", "values")}
        base = {k: v for k, v in (olds or inputs).items() if k != "status"}
        return id_, self._outputs(base, release), inputs

    def update(self, id_, olds, news):
        with world.locked("kubernetes") as state:
            release = state.setdefault("releases", {}).get(f"{cluster()}|{id_}")
            if release is None:
                raise ProviderError(
                    f'failed to upgrade helm release "{id_}": "{news["name"]}" has no deployed releases'
                )
            release.update(
                chart=news["chart"],
                version=news.get("version", release["version"]),
                values=news.get("values", {}),
                revision=release["revision"] + 1,
                status="deployed",
            )
            return self._outputs(news, release)

    def delete(self, id_, olds):
        with world.locked("kubernetes") as state:
            state.setdefault("releases", {}).pop(f"{cluster()}|{id_}", None)


PLUGIN.kinds.update({k.token: k for k in (Namespace(), Secret(), Job(), Release())})

if __name__ == "__main__":
    provider.main(PLUGIN)
