"""Run the Pulumi program offline: a stack's config as the engine passes it, the real SDK, the mock engine.

`read_stack_config` reads `Pulumi.yaml` and a stack file as the engine would hand them to the
program; `run_program` executes `__main__.py` exactly as `pulumi up` would, but against
`pulumi.runtime.set_mocks` with the recording monitor of `engine.py`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import runpy
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.schema import NAMESPACE
from components.settings import CONTACTED, SECURE_PLACEHOLDER, ConfigError
from components.settings.files import BadYaml, UnusableFile, load_yaml, read_text

from .engine import PlanMocks, RecordingMonitor, Registration, plain

T = TypeVar("T")


class InlineExecutor(ThreadPoolExecutor):
    """An executor that runs each call at once in the calling thread, for the SDK's monitor calls.

    The SDK hands every monitor call to the loop's default executor. With a thread pool, the mock
    monitor's workers each ran an event loop of their own and waited on each other (12 % of a
    500-cluster plan). Inline, the call still gets an event loop of its own (`loop`, not running,
    made current for the call's duration): the mock monitor's `_sync_await` would otherwise pump the
    program's running loop re-entrantly, and a 500-cluster plan then hung with every task waiting
    on one suspended below it. A ThreadPoolExecutor only because asyncio accepts no other default
    executor; it starts no thread.
    """

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        running = asyncio._get_running_loop()
        if running is not None:
            asyncio._set_running_loop(None)
            asyncio.set_event_loop(self.loop)
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        finally:
            if running is not None:
                asyncio.set_event_loop(running)
                asyncio._set_running_loop(running)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.loop.close()
        super().shutdown(wait, cancel_futures=cancel_futures)


@dataclass
class ProgramRun:
    registrations: list[Registration]
    outputs: dict[str, Any]
    mocked: list[str]
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Clusters (contexts) whose nodes `auto` read live: the plan is then not wholly offline.
    contacted: list[str] = field(default_factory=list)


class _Diagnostics(logging.Handler):
    """Collects what the program logs through pulumi.log (engine diagnostics)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.warnings: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        target = self.errors if record.levelno >= logging.ERROR else self.warnings
        target.append(record.getMessage())


async def _resolve(value: Any) -> Any:
    """Stack outputs as the engine would store them, secrets shown as "[secret]"."""
    serialized = await rpc.serialize_property(value, [], None, keep_output_values=False)
    return plain(serialized)


def run_program(
    program: Path,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: list[str],
    watch: Callable[[RecordingMonitor], None] | None = None,
) -> ProgramRun:
    """Run `program` under mocks with this config; raises what the program raises. `watch` gets the
    monitor before the program runs (a progress display reads its registrations)."""
    mock = PlanMocks()
    monitor = RecordingMonitor(mock, project, stack)
    if watch is not None:
        watch(monitor)
    diagnostics = _Diagnostics()
    logger = logging.getLogger(f"arc-onboarding.offline.{id(monitor)}")
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    logger.addHandler(diagnostics)

    pulumi.runtime.set_all_config(dict(config), secret_keys)
    runtime_settings.set_root_resource(None)  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(mock, project=project, stack=stack, preview=True, logger=logger, monitor=monitor)
    runtime_settings.SETTINGS.rpc_manager.clear()
    runtime_settings.SETTINGS.outputs.clear()

    CONTACTED.clear()
    root = runtime_settings.get_root_resource()
    sys.path.insert(0, str(program.parent))
    executor = InlineExecutor()
    asyncio.get_event_loop().set_default_executor(executor)
    try:

        def run() -> None:
            runpy.run_path(str(program), run_name="__main__")

        _sync_await(run_pulumi_func(run))
        exported = getattr(root, "outputs", {})
        outputs = {name: _sync_await(_resolve(value)) for name, value in sorted(exported.items())}
    finally:
        sys.path.remove(str(program.parent))
        logger.removeHandler(diagnostics)
        executor.shutdown()
    return ProgramRun(
        registrations=monitor.registrations,
        outputs=outputs,
        mocked=sorted(mock.mocked),
        warnings=diagnostics.warnings,
        errors=diagnostics.errors,
        contacted=list(CONTACTED),
    )


class PlanInputError(Exception):
    """A project or stack file the plan cannot use (exit 2)."""


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    config: dict[str, str]
    secret_keys: list[str]
    # Keys holding an empty `secure:` value: the sharder's placeholder for a secret set-secrets.sh
    # sets; `pulumi up` cannot decrypt it ("bad value") until then.
    unset_secrets: tuple[str, ...] = ()


def _encode(value: Any) -> tuple[Any, bool]:
    """A stack-file value as the engine passes it on, and whether it held a `secure:` leaf."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECURE_PLACEHOLDER, True
        pairs = {str(k): _encode(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_encode(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _engine_string(value: Any) -> str:
    """Config values reach the program as strings; objects and arrays JSON-encoded."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        # YAML has types JSON lacks (an unquoted 2026-01-31 is a date): pass them on as text.
        return json.dumps(value, default=str)
    return "" if value is None else str(value)


def _load_yaml(path: Path, what: str) -> Any:
    """The file's document. A problem within a stack file's `config:` key is a config error naming
    that key; any other, an input error with the line, column and what YAML expected there."""
    try:
        return load_yaml(read_text(path))
    except OSError as error:
        raise PlanInputError(f"{path}: cannot read {what}: {error.strerror}") from None
    except UnusableFile as error:
        raise PlanInputError(f"{path}: cannot read {what}: {error}") from None
    except UnicodeDecodeError:
        raise PlanInputError(f"{path}: {what} is not valid YAML: not UTF-8 text") from None
    except BadYaml as error:
        if error.keys[:1] == ["config"] and len(error.keys) > 1:
            key = error.keys[1] if ":" in error.keys[1] else f"{NAMESPACE}:{error.keys[1]}"
            raise ConfigError([f"{key}: {path.name}: {error}"]) from None
        raise PlanInputError(f"{path}: {what} is not valid YAML: {error}") from None


def read_stack_config(project_dir: Path, stack: str | None, config_file: Path | None) -> StackConfig:
    project_file = project_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise PlanInputError(f"{project_file}: not found; run from the project directory")
    project_doc = _load_yaml(project_file, "the project file")
    if not isinstance(project_doc, dict) or not isinstance(project_doc.get("name"), str):
        raise PlanInputError(f"{project_file}: not a Pulumi project file (no name)")
    project = project_doc["name"]

    if config_file is None:
        stack = stack or "dev"
        config_file = project_dir / f"Pulumi.{stack}.yaml"
    elif stack is None:
        name = config_file.name
        stack = name[len("Pulumi.") : -len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else "dev"
    stack_doc = _load_yaml(config_file, "the stack file")
    if stack_doc is None:
        stack_doc = {}
    if not isinstance(stack_doc, dict):
        raise PlanInputError(f"{config_file}: a stack file must be a mapping with a `config:` section")
    section = stack_doc.get("config") or {}
    if not isinstance(section, dict):
        raise PlanInputError(f"{config_file}: `config:` must be a mapping of keys to values")

    config: dict[str, str] = {}
    declared = project_doc.get("config") or {}
    for key, declaration in declared.items():
        default = declaration.get("default") if isinstance(declaration, dict) else declaration
        if default is not None:
            config[f"{project}:{key}"] = _engine_string(default)
    secret_keys: list[str] = []
    unset: list[str] = []
    for key, value in section.items():
        full = str(key) if ":" in str(key) else f"{project}:{key}"
        if _has_empty_secure(value):
            unset.append(full)
        encoded, secret = _encode(value)
        config[full] = encoded if encoded == SECURE_PLACEHOLDER else _engine_string(encoded)
        if secret:
            secret_keys.append(full)
    return StackConfig(project, stack, config, sorted(secret_keys), tuple(unset))


def _has_empty_secure(value: Any) -> bool:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return not value["secure"]
        return any(_has_empty_secure(v) for v in value.values())
    return isinstance(value, list) and any(_has_empty_secure(v) for v in value)
