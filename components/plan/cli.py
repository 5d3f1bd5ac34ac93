"""Offline plan: what `pulumi up` would ask the engine to do, with no cloud and no credentials.

    python -m components.plan [--stack NAME] [--config-file PATH] [--nodes-file PATH] [--json] [--diff] [--color WHEN] [--endpoints]
    python -m components.plan [--stack NAME] --graph dot|mermaid
    python -m components.plan --shards DIR [--jobs N] [--json]

Run from the project directory. Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` (default `dev`),
runs `__main__.py` under the Pulumi SDK's mock engine and prints the resources it registers.
`--endpoints` prints the stack's outbound endpoints instead (a firewall list) and exits.
`--graph` prints the resource graph instead of the tree, as Graphviz DOT or Mermaid.
`--shards DIR` plans every stack file in DIR (the output of `python -m components.shard`) in
parallel processes and reports each: result, clusters, resources, seconds and peak memory.
Exit codes: 0 planned; 2 invalid configuration; 1 anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

import pulumi

from components.settings import NODES_FILE_ENV, load

from .engine import RecordingMonitor
from .graph import build as build_graph
from .graph import to_dot, to_mermaid
from .render import (
    endpoint_rows,
    endpoints_document,
    plan_document,
    render_endpoints,
    render_tree,
    use_colour,
)
from .runner import PlanInputError, StackConfig, read_stack_config, run_program
from .shards import exit_code, plan_shards, render_shards, shards_document

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


@contextlib.contextmanager
def _nodes_file(path: Path | None) -> Iterator[None]:
    """Hand `--nodes-file` to the settings loader, which the program reaches only through the environment."""
    if path is None:
        yield
        return
    if not path.is_file():
        raise PlanInputError(f"--nodes-file {path}: no such file")
    previous = os.environ.get(NODES_FILE_ENV)
    os.environ[NODES_FILE_ENV] = str(path.resolve())
    try:
        yield
    finally:
        if previous is None:
            del os.environ[NODES_FILE_ENV]
        else:
            os.environ[NODES_FILE_ENV] = previous


def _print_endpoints(stack_config: StackConfig, project_dir: Path, as_json: bool) -> int:
    settings = load(stack_config.config, stack_config.secret_keys, project_dir, os.environ)
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for key in settings.unvalidated:
        print(f"warning: {key}: secure value not decrypted offline, so not validated", file=sys.stderr)
    rows = endpoint_rows(settings)
    document = endpoints_document(stack_config, settings, rows)
    if as_json:
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_endpoints(document, rows))
    return EXIT_OK


def _plan_shards(directory: Path, project_dir: Path, jobs: int, as_json: bool) -> int:
    if not directory.is_dir():
        print(f"error: --shards {directory}: no such directory", file=sys.stderr)
        return EXIT_INVALID
    started = time.monotonic()
    plans = plan_shards(directory, project_dir, jobs, sys.stderr if sys.stderr.isatty() else None)
    seconds = time.monotonic() - started
    if not plans:
        print(f"error: --shards {directory}: no Pulumi.*.yaml stack files", file=sys.stderr)
        return EXIT_INVALID
    if as_json:
        json.dump(shards_document(plans, seconds), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_shards(plans, seconds))
    return exit_code(plans)


# Past this many clusters one stack is one long engine run and state file: say how to shard it.
SHARD_HINT_CLUSTERS = 300
# Progress on a terminal: quiet for quick plans, then a line every few seconds.
_PROGRESS_AFTER, _PROGRESS_EVERY = 2.0, 5.0


class _Progress:
    """On a terminal, `planning: N resources registered (Ts)` on stderr while a big plan runs. A
    daemon thread reads the monitor's registrations; it never writes to stdout."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream, self.enabled = stream, enabled
        self.monitor: RecordingMonitor | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="arc-plan-progress", daemon=True)

    def watch(self, monitor: RecordingMonitor) -> None:
        self.monitor = monitor

    def __enter__(self) -> _Progress:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        started = time.monotonic()
        wait = _PROGRESS_AFTER
        while not self._stop.wait(wait):
            count = len(self.monitor.registrations) if self.monitor else 0
            print(
                f"planning: {count} resources registered ({time.monotonic() - started:.0f}s)",
                file=self.stream,
                flush=True,
            )
            wait = _PROGRESS_EVERY


def shard_hint(stack: str, clusters: int) -> str | None:
    """The hint a big single stack gets (docs/scale.md)."""
    if clusters <= SHARD_HINT_CLUSTERS:
        return None
    return (
        f"hint: {clusters} clusters in one stack: one engine, one state file and one `pulumi up` every cluster "
        f"waits on; shard it: `venv/bin/python -m components.shard --stack {stack} --size 50 --out shards` "
        "(docs/scale.md)"
    )


def failure_line(error: BaseException) -> str:
    """One line for a failed run: the program's own errors (RunError) as written, others typed."""
    # The SDK wraps a ValueError raised while serializing a resource's inputs in "While processing
    # resource: 'NAME', type: 'TYPE'" and "While processing input: …"; keep the resource, report
    # the original error.
    resource = ""
    while isinstance(error.__cause__, Exception) and str(error).startswith("While processing"):
        found = re.match(r"While processing resource: '(.*)', type:? '(.*)'", str(error))
        if found and not resource:
            resource = f"{found[2]} {found[1]}: "
        error = error.__cause__
    text = (str(error).strip().splitlines() or [""])[0]
    if isinstance(error, pulumi.RunError) and text:
        return f"error: {resource}{text}"
    return f"error: {resource}{type(error).__name__}" + (f": {text}" if text else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.plan", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", help="stack name (default: dev)")
    parser.add_argument("--config-file", type=Path, help="stack file to read instead of Pulumi.<stack>.yaml")
    parser.add_argument(
        "--nodes-file",
        type=Path,
        help="`kubectl get nodes -o json` dump that `distribution/infrastructure: auto` read instead of the cluster",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--diff",
        action="store_true",
        help="show each resource's inputs, options and dependencies (as `pulumi preview --diff`)",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the tree: auto (on a terminal, unless NO_COLOR is set), always or never",
    )
    parser.add_argument(
        "--endpoints", action="store_true", help="print the outbound endpoints to allow (a firewall list) and exit"
    )
    parser.add_argument(
        "--graph",
        choices=("dot", "mermaid"),
        help="print the resource graph instead of the tree: components as boxes, the critical path highlighted",
    )
    parser.add_argument("--shards", type=Path, help="plan every Pulumi.*.yaml in this directory, in parallel")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes at once with --shards")
    args = parser.parse_args(argv)
    project_dir = Path.cwd()
    if args.shards is not None:
        return _plan_shards(args.shards, project_dir, max(1, args.jobs), args.json)
    try:
        stack_config = read_stack_config(project_dir, args.stack, args.config_file)
        with _nodes_file(args.nodes_file):
            if args.endpoints:
                return _print_endpoints(stack_config, project_dir, args.json)
            with _Progress(sys.stderr, sys.stderr.isatty() and not args.json) as progress:
                run = run_program(
                    project_dir / "__main__.py",
                    stack_config.project,
                    stack_config.stack,
                    stack_config.config,
                    stack_config.secret_keys,
                    progress.watch,
                )
    except PlanInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as error:
        problems = getattr(error, "problems", None)
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            return EXIT_INVALID
        print(failure_line(error), file=sys.stderr)
        return EXIT_FAILED
    document = plan_document(stack_config, run)
    for warning in document["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    hint = shard_hint(stack_config.stack, len(document["outputs"].get("clusters", {})))
    if hint:
        print(hint, file=sys.stderr)
    if args.graph:
        graph = build_graph(document["resources"])
        title = f"{document['project']} / stack {document['stack']}: what the plan creates, and in what order"
        sys.stdout.write(to_dot(graph, title) if args.graph == "dot" else to_mermaid(graph, title))
    elif args.json:
        json.dump(document, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        colour = use_colour(args.color, sys.stdout.isatty(), os.environ)
        sys.stdout.write(render_tree(document, colour=colour, details=args.diff))
    return EXIT_OK


def tune_gc_for_one_run() -> None:
    """The SDK allocates heavily per resource, and with Python's default thresholds a 500-cluster
    plan spent about half its time in collections that freed little (docs/benchmarks.md). This
    process plans once and exits, so: the imported modules are frozen out of collection, and full
    collections are rare. Not for in-process reuse (tests call `main` directly)."""
    gc.freeze()
    gc.set_threshold(1_000_000, 100, 100_000)
