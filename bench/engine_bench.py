"""The real Pulumi engine on a fleet: wall time and peak memory of `pulumi preview` and `pulumi up`.

    venv/bin/python bench/engine_bench.py [--size 50] [--write docs/benchmarks.md]

The CLI is the one `make engine-test` builds (tests/engine/build.sh, cached); the providers, the
language host and `az`/`kubectl` are the engine tier's stand-ins (docs/engine-tests.md), so this
measures the engine and the program, not Azure or a cluster. The fleet is the stack
bench/fleet_bench.py writes for the offline plan. Each command runs once in a fresh file backend:
`pulumi preview` of the empty stack, `pulumi up` creating everything, then a second `up` that
changes nothing. Memory is the peak of the summed resident memory of every process of the run (the
CLI, the language host and program, one plugin process per provider instance), sampled every
0.2 s from /proc, and the CLI's own peak. Not a test and not in CI: it takes minutes and the
numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from fleet_bench import ROOT, machine, replace_section, write_fleet

# Run as a script, only bench/ is on the path; the engine tier's helpers are under tests/.
sys.path.insert(0, str(ROOT))

from tests.engine.conftest import Engine, build_engine, install_tools, make_engine, yaml_mapping

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Run:
    command: str
    seconds: float
    tree_peak_mb: float
    cli_peak_mb: float
    processes: int


def _session_rss_kb(session: int) -> tuple[dict[int, int], int]:
    """Resident KB of every process in the session, and the session leader's."""
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text()
        except OSError:  # the process ended between listing and reading
            continue
        # Fields after the command name (which may hold spaces): state ppid pgrp session ...
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == session:
            found[int(entry.name)] = int(statm.split()[1]) * PAGE_KB
    return found, found.get(session, 0)


def measured(engine: Engine, *args: str) -> Run:
    """Run `pulumi ARGS` in its own session; wall time and memory peaks of the whole tree."""
    started = time.monotonic()
    process = engine.start(*args)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True)
    reader.start()
    tree_peak = cli_peak = 0
    seen: set[int] = set()
    while process.poll() is None:
        rss, cli = _session_rss_kb(process.pid)
        seen.update(rss)
        tree_peak, cli_peak = max(tree_peak, sum(rss.values())), max(cli_peak, cli)
        time.sleep(0.2)
    seconds = time.monotonic() - started
    reader.join(timeout=30)
    if process.returncode != 0:
        raise SystemExit(f"pulumi {' '.join(args)} failed ({process.returncode}):\n{''.join(output)[-4000:]}")
    return Run(f"pulumi {' '.join(args[:2])}", seconds, tree_peak / 1024, cli_peak / 1024, len(seen))


def bench(size: int, work: Path) -> tuple[int, list[Run]]:
    tools = install_tools(build_engine(), work / "tools")
    engine = make_engine(tools, work / "run")
    engine.stack = f"bench-{size}"
    config = yaml_mapping(write_fleet(work, size))["config"]
    engine.init(config)
    runs = [
        measured(engine, "preview", "--non-interactive", "--suppress-outputs"),
        measured(engine, "up", "--yes", "--skip-preview", "--non-interactive", "--suppress-outputs"),
        measured(engine, "up", "--yes", "--skip-preview", "--non-interactive", "--expect-no-changes"),
    ]
    resources = len(engine.resources())
    return resources, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--write", type=Path, help="markdown file whose engine-bench section is replaced")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        resources, runs = bench(args.size, Path(tmp))
    load_after = os.getloadavg()[0]
    labels = ["`pulumi preview` (empty stack)", "`pulumi up` (creates all)", "second `pulumi up` (no changes)"]
    rows = [
        f"| {label} | {run.seconds:.0f} | {run.tree_peak_mb:.0f} | {run.cli_peak_mb:.0f} | {run.processes} |"
        for label, run in zip(labels, runs, strict=True)
    ]
    text = "\n".join(
        [
            f"Measured {datetime.date.today().isoformat()} on {machine()} (1-minute load average "
            f"{load_before:.1f} at the start, {load_after:.1f} at the end): a fleet of {args.size} clusters, "
            f"{resources} resources in the state after `up`; "
            f"`venv/bin/python bench/engine_bench.py --size {args.size} --write docs/benchmarks.md`.",
            "",
            "| command | wall time (s) | peak memory, all processes (MB) | peak memory, the CLI (MB) | processes |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
    print(text)
    if args.write:
        replace_section(args.write, "engine-bench", text)


if __name__ == "__main__":
    main()
