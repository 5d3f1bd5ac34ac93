"""STAND-IN for the `kubernetes` provider 4.34.2 (`pulumi-resource-kubernetes`): no API server here.

Objects and Helm releases live in `<world>/kubernetes.json`, per cluster (the provider's
context, else its `clusterIdentifier`). Rules of the real provider (pulumi/pulumi-kubernetes
provider/pkg/provider/provider.go, helm_release.go, await/job.go) and of Kubernetes/Helm applied here:
- DiffConfig: with `clusterIdentifier` set, the provider is replaced only when it changes
  (provider.go DiffConfig, since 4.16.0);
- a change of metadata.name or metadata.namespace replaces an object (provider.go Diff); a Secret's
  `type` is immutable (forceNew);
- Create of an object that exists fails with the API server's AlreadyExists, upsert being off by
  default (provider.go Create: "resource ... was not successfully created by the Kubernetes API
  server"); a namespaced object needs its namespace;
- deleting a Namespace deletes what is in it (Kubernetes namespace finalization);
- a Job is awaited until Complete; a Job whose Pod fails (backoffLimit reached) is a partial failure:
  it stays in the state and the error quotes the failed Pod's termination message (await/job.go;
  the message format is provider.go `initializationError`);
- a Helm Release: name and namespace are forceNew (helm_release.go `forceNewFields`), anything else
  is an in-place `helm upgrade` (revision + 1); `createNamespace` creates the namespace; an install
  whose release exists fails with Helm's "cannot re-use a name that is still in use"; a failed
  install with `atomic` is uninstalled by Helm (helm pkg/action/install.go failRelease: "release %s
  failed, and has been uninstalled due to atomic being set") and reported by the provider as a
  partial failure ("Helm release %q was created, but failed to initialize completely"), so the
  state keeps it until a refresh finds it gone; Read of a release that is not there is "deleted";
  Read reports the deployed chart version (agents that upgraded themselves move it).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from . import provider, world
from .provider import Diff, Kind, PartialFailure, Plugin, ProviderError, top_level_diff

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


class ObjectKind(Kind):
    kind = ""
    namespaced = True
    immutable: tuple[str, ...] = ()

    def _names(self, inputs: dict[str, Any]) -> tuple[str | None, str]:
        metadata = inputs.get("metadata", {})
        return (metadata.get("namespace") or "default") if self.namespaced else None, metadata["name"]

    def diff(self, old_inputs, olds, news) -> Diff:
        diff = top_level_diff(old_inputs, news, force_new=self.immutable)
        old_meta, new_meta = old_inputs.get("metadata", {}), news.get("metadata", {})
        moved = any(old_meta.get(k) != new_meta.get(k) for k in ("name", "namespace"))
        return Diff(changed=diff.changed, replaces=[*diff.replaces, *(["metadata"] if moved else [])])

    def live(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """What the API server returns for what was applied."""
        metadata = {
            **inputs.get("metadata", {}),
            "uid": str(uuid.uuid4()),
            "creationTimestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        if self.namespaced:
            metadata.setdefault("namespace", "default")
        return {**inputs, "metadata": metadata}

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
        return id_, live, inputs

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
    token, kind, immutable = "kubernetes:core/v1:Secret", "Secret", ("type",)


class Job(ObjectKind):
    token, kind = "kubernetes:batch/v1:Job", "Job"

    def diff(self, old_inputs, olds, news) -> Diff:
        """With the `pulumi.com/replaceUnready: "true"` annotation, a Job that did not complete is
        replaced (pulumi-kubernetes docs, "Managing resources with Server-Side Apply"/annotations:
        replaceUnready; provider.go Diff checks readiness of the live object)."""
        diff = super().diff(old_inputs, olds, news)
        annotations = news.get("metadata", {}).get("annotations") or {}
        complete = any(
            c.get("type") == "Complete" and c.get("status") == "True"
            for c in (olds.get("status") or {}).get("conditions", [])
        )
        if annotations.get("pulumi.com/replaceUnready") == "true" and not complete:
            return Diff(changed=sorted({*diff.changed, "spec"}), replaces=sorted({*diff.replaces, "spec"}))
        return diff

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


class Release(Kind):
    token = "kubernetes:helm.sh/v3:Release"

    def diff(self, old_inputs, olds, news) -> Diff:
        return top_level_diff(old_inputs, news, force_new=("name", "namespace"))

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
        if fault is not None:
            failed = {**release, "status": "failed"}
            raise PartialFailure(
                f'Helm release "{id_}" was created, but failed to initialize completely. Use Helm CLI to investigate.: '
                f"release {release_name} failed, and has been uninstalled due to atomic being set: {fault['message']}",
                id_,
                self._outputs(inputs, failed),
                inputs,
            )
        return id_, self._outputs(inputs, release)

    def read(self, id_, olds, inputs):
        release = world.read("kubernetes").get("releases", {}).get(f"{cluster()}|{id_}")
        if release is None:
            return "", {}, {}
        return id_, self._outputs(olds, release), {**inputs, "version": release["version"]} if inputs else inputs

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
