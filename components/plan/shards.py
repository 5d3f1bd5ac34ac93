"""The offline plan of a sharded fleet: every stack file in a directory, planned in parallel processes.

One process per shard, as `pulumi up` would run one engine per stack: a shard's plan holds only its
own clusters' SDK objects, so memory stays per shard however large the fleet. Each process's peak
resident memory comes from the kernel (`wait4`), not from sampling.

The processes are forked from this one after it has imported the Pulumi SDKs (not the program:
each shard's process runs `__main__.py` afresh, as the engine would): the imports were a third of
a 50-cluster shard's CPU time, paid once instead of once per shard. Each process generates its own
key, as each stack would.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, NoReturn

from . import keygen

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


@dataclass(frozen=True)
class ShardPlan:
    stack: str
    code: int
    seconds: float
    peak_mb: float
    resources: int
    clusters: int
    problems: tuple[str, ...]
    # The stack's warnings (what `pulumi up` would print), each without its `warning: ` prefix.
    warnings: tuple[str, ...] = ()


def stack_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("Pulumi.*.yaml"))


def _stack_name(path: Path) -> str:
    return path.name[len("Pulumi.") : -len(".yaml")]


# The SDK modules every plan of this program loads; imported before forking, shared by the shards.
_SDK_MODULES = (
    "pulumi",
    "pulumi.runtime",
    "pulumi_azure_native.authorization",
    "pulumi_azure_native.kubernetes",
    "pulumi_azure_native.resources",
    "pulumi_kubernetes.batch.v1",
    "pulumi_kubernetes.core.v1",
    "pulumi_kubernetes.helm.v3",
    "pulumi_command.local",
    "pulumi_tls",
)


@dataclass
class _Running:
    path: Path
    stdout: IO[bytes]
    stderr: IO[bytes]
    started: float
    code: int = 0


def _plan_one(path: Path, project_dir: Path, stdout: IO[bytes], stderr: IO[bytes]) -> NoReturn:
    """The forked process: `python -m components.plan --config-file PATH --json`, output to files."""
    code = 1
    try:
        os.dup2(stdout.fileno(), 1)
        os.dup2(stderr.fileno(), 2)
        os.chdir(project_dir)
        keygen.forget()
        keygen.start(4096)
        from .cli import main

        code = main(["--config-file", str(path), "--json"])
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
    os._exit(code)


def plan_shards(directory: Path, project_dir: Path, jobs: int, progress: IO[str] | None = None) -> list[ShardPlan]:
    """Plan every `Pulumi.*.yaml` of `directory`, at most `jobs` processes at a time; a line on
    `progress` (a terminal) as each finishes."""
    pending = stack_files(directory)
    total = len(pending)
    for module in _SDK_MODULES:
        importlib.import_module(module)
    # No thread may run while forking (a lock held by it stays held in the child): the key this
    # process started at start-up is waited for.
    keygen.key(4096)
    gc.collect()
    gc.freeze()
    running: dict[int, _Running] = {}
    done: list[ShardPlan] = []
    while pending or running:
        while pending and len(running) < jobs:
            path = pending.pop(0)
            # Closed by _result once the process is reaped, not at the end of a block here.
            stdout, stderr = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _plan_one(path, project_dir, stdout, stderr)
            running[pid] = _Running(path, stdout, stderr, time.monotonic())
        # Only our children, each by its pid: its exit status and its own peak resident set
        # (kilobytes on Linux), which Popen.wait would discard.
        for pid in list(running):
            reaped, status, usage = os.wait4(pid, os.WNOHANG)
            if reaped == 0:
                continue
            run = running.pop(pid)
            run.code = os.waitstatus_to_exitcode(status)
            done.append(_result(run, time.monotonic() - run.started, usage.ru_maxrss / 1024))
            if progress is not None:
                result = {EXIT_OK: "planned", EXIT_INVALID: "invalid"}.get(done[-1].code, "failed")
                print(f"{len(done)} of {total}: {done[-1].stack} {result}", file=progress, flush=True)
        time.sleep(0.02)
    return sorted(done, key=lambda plan: plan.stack)


def _result(run: _Running, seconds: float, peak_mb: float) -> ShardPlan:
    run.stdout.seek(0)
    run.stderr.seek(0)
    output, errors = run.stdout.read(), run.stderr.read().decode("utf-8", errors="replace")
    run.stdout.close()
    run.stderr.close()
    code = run.code
    resources = clusters = 0
    if code == EXIT_OK:
        document = json.loads(output)
        resources = len(document["resources"])
        clusters = sum(1 for r in document["resources"] if r["type"] == "arc-onboarding:index:ArcConnectedCluster")
    problems = tuple(line for line in errors.splitlines() if line and not line.startswith("warning:"))
    warnings = tuple(line.removeprefix("warning: ") for line in errors.splitlines() if line.startswith("warning:"))
    return ShardPlan(_stack_name(run.path), code, seconds, peak_mb, resources, clusters, problems, warnings)


def shards_document(plans: list[ShardPlan], seconds: float) -> dict[str, object]:
    return {
        "shards": [asdict(plan) for plan in plans],
        "seconds": round(seconds, 2),
        "peak_mb": max((plan.peak_mb for plan in plans), default=0.0),
        "clusters": sum(plan.clusters for plan in plans),
        "resources": sum(plan.resources for plan in plans),
    }


def render_shards(plans: list[ShardPlan], seconds: float) -> str:
    width = max((len(plan.stack) for plan in plans), default=5)
    lines = [f"{'stack':<{width}}  {'result':<8}  clusters  resources  seconds  peak MB"]
    for plan in plans:
        result = {EXIT_OK: "planned", EXIT_INVALID: "invalid"}.get(plan.code, "failed")
        lines.append(
            f"{plan.stack:<{width}}  {result:<8}  {plan.clusters:>8}  {plan.resources:>9}  "
            f"{plan.seconds:>7.1f}  {plan.peak_mb:>7.0f}"
        )
        lines += [f"  {problem}" for problem in plan.problems]
        if plan.warnings:
            lines.append(f"  {len(plan.warnings)} warning(s): `--json` lists them, or plan the stack alone")
    ok = sum(1 for plan in plans if plan.code == EXIT_OK)
    peak = max((plan.peak_mb for plan in plans), default=0.0)
    lines.append(
        f"\n{ok} of {len(plans)} stacks planned, {sum(p.clusters for p in plans)} clusters, "
        f"{sum(p.resources for p in plans)} resources in {seconds:.1f} s; largest process {peak:.0f} MB"
    )
    return "\n".join(lines) + "\n"


def exit_code(plans: list[ShardPlan]) -> int:
    codes = {plan.code for plan in plans}
    if not plans or codes == {EXIT_OK}:
        return EXIT_OK if plans else EXIT_INVALID
    return EXIT_INVALID if codes <= {EXIT_OK, EXIT_INVALID} else EXIT_FAILED
