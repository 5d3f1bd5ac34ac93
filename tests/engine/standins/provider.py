"""A resource provider plugin skeleton: the pulumirpc.ResourceProvider service with the bookkeeping
every stand-in shares (call log, faults, state), and per-type rules supplied by each stand-in.

Protocol choices, as the engine documents them (pulumi/pulumi proto/pulumi/provider.proto):
- Configure answers acceptSecrets=false: the engine then strips secrets from what it sends and marks
  an output secret when the input of the same name was (pkg/resource/plugin/provider_plugin.go,
  `annotateSecrets`), so secrets stay ciphertext in the state without the stand-in handling them.
- supportsPreview=false by default: in a preview the engine does not call Create/Update and takes
  the inputs as the planned outputs, unknown where the provider would compute them. A stand-in whose
  provider answers previews itself (azure-native) sets `supports_preview` and answers them in its
  kind's `preview_create`/`preview_update`, without touching the world or the call log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2, empty_pb2
from google.rpc import status_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from . import rpc, world


class ProviderError(Exception):
    """A failed cloud call: the message is what the real provider would report."""


class PartialFailure(ProviderError):
    """Created (or updated) but not ready: the engine keeps the resource in the state with these
    outputs and reports the error (pulumirpc.ErrorResourceInitFailed, as pulumi-kubernetes returns
    when an await fails: provider/pkg/provider/provider.go `partialError`)."""

    def __init__(self, message: str, id_: str, outputs: dict[str, Any], inputs: dict[str, Any]) -> None:
        super().__init__(message)
        self.id_, self.outputs, self.inputs = id_, outputs, inputs


@dataclass(frozen=True)
class Diff:
    """A provider's Diff answer. `changed` are top-level keys (DiffResponse.diffs); `detailed`, when
    given, maps property paths ("properties.agentPublicKeyCertificate", "spec.template") to a
    PropertyDiff kind name (ADD, UPDATE_REPLACE, ...): the engine matches `replaceOnChanges` and
    `ignoreChanges` paths against these (pulumi/pulumi pkg/resource/deploy/step_generator.go
    `applyReplaceOnChanges`, v3.274.0), so a provider that diffs recursively must report them."""

    changed: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    detailed: dict[str, str] | None = None


MISSING: Any = object()


def path_join(base: str, key: str | int) -> str:
    """A property path as the engine parses it (`resource.ParsePropertyPath`)."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    plain = key.replace("_", "a").isalnum()
    if not plain:
        return f'{base}["{key}"]'
    return f"{base}.{key}" if base else key


def value_changes(old: Any, new: Any, path: str) -> list[tuple[str, str]]:
    """(path, ADD | DELETE | UPDATE) for every leaf that differs, recursing into objects and, index
    by index, arrays: the shape of pulumi/pulumi-azure-native provider/pkg/provider/diff.go
    `objectDiff`/`valueDiff` and of pulumi-kubernetes' `convertPatchToDiff` (a missing or null
    value is no value; an unknown one differs from anything)."""
    if old is MISSING or old is None:
        return [] if new is MISSING or new is None else [(path, "ADD")]
    if new is MISSING or new is None:
        return [(path, "DELETE")]
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[tuple[str, str]] = []
        for key in sorted({*old, *new}):
            found += value_changes(old.get(key, MISSING), new.get(key, MISSING), path_join(path, key))
        return found
    if isinstance(old, list) and isinstance(new, list):
        found = []
        for i in range(max(len(old), len(new))):
            found += value_changes(
                old[i] if i < len(old) else MISSING, new[i] if i < len(new) else MISSING, path_join(path, i)
            )
        return found
    return [] if old == new else [(path, "UPDATE")]


def top_level_diff(olds: dict[str, Any], news: dict[str, Any], force_new: tuple[str, ...] = ()) -> Diff:
    """Input keys that differ; those in force_new replace. An unknown new value counts as a change."""
    keys = sorted(set(olds) | set(news))
    changed = [k for k in keys if olds.get(k) != news.get(k)]
    return Diff(changed=changed, replaces=[k for k in changed if k in force_new])


class Kind:
    """Rules of one resource type. Override what the real provider does differently."""

    token = ""

    def check(self, news: dict[str, Any]) -> dict[str, Any]:
        return news

    def diff(self, old_inputs: dict[str, Any], olds: dict[str, Any], news: dict[str, Any]) -> Diff:
        return top_level_diff(old_inputs, news)

    def diff_with(
        self, old_inputs: dict[str, Any], olds: dict[str, Any], news: dict[str, Any], ignore_changes: list[str]
    ) -> Diff:
        """Diff for a provider that looks at `ignoreChanges` itself (most leave it to the engine)."""
        return self.diff(old_inputs, olds, news)

    def create(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def read(
        self, id_: str, olds: dict[str, Any], inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """(id, outputs, inputs); an empty id means the resource is gone."""
        return id_, olds, inputs

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def preview_create(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Planned outputs of a create, for a provider that supports previews: the inputs."""
        return inputs

    def preview_update(self, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """Planned outputs of an update, for a provider that supports previews: the new inputs."""
        return news

    def delete(self, id_: str, olds: dict[str, Any]) -> None:
        pass


@dataclass
class Plugin:
    name: str
    version: str
    kinds: dict[str, Kind]
    invokes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)
    # (olds, news) of the provider's own config -> keys whose change replaces the provider.
    config_replaces: Callable[[dict[str, Any], dict[str, Any]], list[str]] = lambda olds, news: []
    # This provider instance's own inputs (from Configure).
    config: dict[str, Any] = field(default_factory=dict)
    # The provider computes preview outputs itself (ConfigureResponse.supportsPreview).
    supports_preview: bool = False


def _type_of(urn: str) -> str:
    return urn.split("::")[-2].split("$")[-1]


def _name_of(urn: str) -> str:
    return urn.split("::")[-1]


def abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    """`context.abort` raises to end the call with this status (grpc ships no types to say so)."""
    context.abort(code, message)
    raise AssertionError("grpc's ServicerContext.abort returned")


class Servicer(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self, plugin: Plugin) -> None:
        self.plugin = plugin

    # --- bookkeeping -------------------------------------------------------------------------
    def _kind(self, urn: str, context: grpc.ServicerContext) -> Kind:
        token = _type_of(urn)
        kind = self.plugin.kinds.get(token)
        if kind is None:
            # abort raises: a type the stand-in does not model fails the step, naming it.
            abort(context, grpc.StatusCode.UNIMPLEMENTED, f"stand-in {self.plugin.name}: no rules for {token}")
        return kind

    def _enter(self, call: str, subject: str, context: grpc.ServicerContext, **details: Any) -> None:
        world.record(self.plugin.name, call, subject=subject, **details)
        fault = world.take_fault(self.plugin.name, call, subject)
        if fault is None:
            return
        if fault.get("hang"):
            # Hold the call until the engine is killed (the test SIGKILLs it), then finish it: a
            # cloud operation already started goes on without its caller.
            import os

            parent = os.getppid()
            deadline = time.time() + float(fault["hang"])
            while time.time() < deadline and os.getppid() == parent:
                time.sleep(0.2)
            return
        world.record(self.plugin.name, f"{call}:failed", subject=subject, message=fault["message"])
        context.abort(grpc.StatusCode.UNKNOWN, fault["message"])

    def _fail(self, error: ProviderError, call: str, subject: str, context: grpc.ServicerContext) -> NoReturn:
        world.record(self.plugin.name, f"{call}:failed", subject=subject, message=str(error))
        if isinstance(error, PartialFailure):
            detail = any_pb2.Any()
            detail.Pack(
                provider_pb2.ErrorResourceInitFailed(
                    id=error.id_,
                    properties=rpc.to_struct(error.outputs),
                    inputs=rpc.to_struct(error.inputs),
                    reasons=[str(error)],
                )
            )
            status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=str(error), details=[detail])
            context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
        abort(context, grpc.StatusCode.UNKNOWN, str(error))

    # --- plugin and provider configuration -------------------------------------------------------
    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=self.plugin.version)

    def GetSchema(self, request, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED, f"stand-in {self.plugin.name} has no schema")

    def CheckConfig(self, request, context):
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request, context):
        olds, news = rpc.to_dict(request.old_inputs or request.olds), rpc.to_dict(request.news)
        replaces = self.plugin.config_replaces(olds, news)
        changed = [k for k in sorted(set(olds) | set(news)) if olds.get(k) != news.get(k)]
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
            replaces=replaces,
        )

    def Configure(self, request, context):
        world.record(self.plugin.name, "Configure", subject=request.urn or "default")
        self.plugin.config = rpc.to_dict(request.args)
        return provider_pb2.ConfigureResponse(
            acceptSecrets=False, supportsPreview=self.plugin.supports_preview, acceptResources=False
        )

    def Cancel(self, request, context):
        return empty_pb2.Empty()

    # --- resources ---------------------------------------------------------------------------
    def Check(self, request, context):
        kind = self._kind(request.urn, context)
        news = kind.check(rpc.to_dict(request.news))
        return provider_pb2.CheckResponse(inputs=rpc.to_struct(news))

    def Diff(self, request, context):
        kind = self._kind(request.urn, context)
        old_inputs, olds, news = rpc.to_dict(request.old_inputs), rpc.to_dict(request.olds), rpc.to_dict(request.news)
        # The engine has applied ignoreChanges to `news` already (step_generator.go
        # `processIgnoreChanges`, from the old inputs); a provider may look at them again.
        diff = kind.diff_with(old_inputs, olds, news, list(request.ignoreChanges))
        world.record(
            self.plugin.name,
            "Diff",
            subject=request.urn,
            changed=diff.changed,
            replaces=diff.replaces,
            detailed=diff.detailed,
            delete_before_replace=diff.delete_before_replace,
        )
        if diff.detailed is not None:
            detailed = {
                key: provider_pb2.PropertyDiff(kind=provider_pb2.PropertyDiff.Kind.Value(kind), inputDiff=True)
                for key, kind in diff.detailed.items()
            }
        else:
            detailed = {
                key: provider_pb2.PropertyDiff(
                    kind=provider_pb2.PropertyDiff.UPDATE_REPLACE
                    if key in diff.replaces
                    else provider_pb2.PropertyDiff.UPDATE,
                    inputDiff=True,
                )
                for key in diff.changed
            }
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if diff.changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=diff.changed,
            replaces=diff.replaces,
            deleteBeforeReplace=diff.delete_before_replace,
            detailedDiff=detailed,
            hasDetailedDiff=True,
        )

    def Create(self, request, context):
        kind = self._kind(request.urn, context)
        inputs = rpc.to_dict(request.properties)
        if request.preview:
            return provider_pb2.CreateResponse(properties=rpc.to_struct(kind.preview_create(inputs)))
        self._enter("Create", request.urn, context)
        try:
            id_, outputs = kind.create(_name_of(request.urn), inputs)
        except ProviderError as error:
            self._fail(error, "Create", request.urn, context)
        world.record(self.plugin.name, "Create:done", subject=request.urn, id=id_)
        return provider_pb2.CreateResponse(id=id_, properties=rpc.to_struct(outputs))

    def Read(self, request, context):
        kind = self._kind(request.urn, context)
        self._enter("Read", request.urn, context, id=request.id)
        try:
            id_, outputs, inputs = kind.read(request.id, rpc.to_dict(request.properties), rpc.to_dict(request.inputs))
        except ProviderError as error:
            # A PartialFailure here is a read that found the object but not ready: the engine keeps
            # the refreshed state with its init errors (pkg/resource/deploy/step.go RefreshStep.Apply).
            self._fail(error, "Read", request.urn, context)
        if not id_:
            return provider_pb2.ReadResponse(id="")
        return provider_pb2.ReadResponse(id=id_, properties=rpc.to_struct(outputs), inputs=rpc.to_struct(inputs))

    def Update(self, request, context):
        kind = self._kind(request.urn, context)
        if request.preview:
            outputs = kind.preview_update(rpc.to_dict(request.olds), rpc.to_dict(request.news))
            return provider_pb2.UpdateResponse(properties=rpc.to_struct(outputs))
        self._enter("Update", request.urn, context, id=request.id)
        try:
            outputs = kind.update(request.id, rpc.to_dict(request.olds), rpc.to_dict(request.news))
        except ProviderError as error:
            self._fail(error, "Update", request.urn, context)
        world.record(self.plugin.name, "Update:done", subject=request.urn, id=request.id)
        return provider_pb2.UpdateResponse(properties=rpc.to_struct(outputs))

    def Delete(self, request, context):
        kind = self._kind(request.urn, context)
        self._enter("Delete", request.urn, context, id=request.id)
        try:
            kind.delete(request.id, rpc.to_dict(request.properties))
        except ProviderError as error:
            self._fail(error, "Delete", request.urn, context)
        world.record(self.plugin.name, "Delete:done", subject=request.urn, id=request.id)
        return empty_pb2.Empty()

    def Invoke(self, request, context):
        function = self.plugin.invokes.get(request.tok)
        if function is None:
            abort(context, grpc.StatusCode.UNIMPLEMENTED, f"stand-in {self.plugin.name}: no function {request.tok}")
        self._enter("Invoke", request.tok, context)
        try:
            result = function(rpc.to_dict(request.args))
        except ProviderError as error:
            self._fail(error, "Invoke", request.tok, context)
        return provider_pb2.InvokeResponse(**{"return": rpc.to_struct(result)})


def main(plugin: Plugin) -> None:
    rpc.serve(lambda server: provider_pb2_grpc.add_ResourceProviderServicer_to_server(Servicer(plugin), server))
