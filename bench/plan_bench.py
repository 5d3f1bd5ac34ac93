"""Offline-plan lean targets, measured as ratios in one run (issue 13 §1).

    venv/bin/python bench/plan_bench.py [--repeat 7] [--write docs/benchmarks.md]

1. The dev stack's plan (`python -m components.plan --stack dev`, a fresh process) against its
   floor: a fresh process that imports every module a plan of that stack loads (SDK resource
   modules load lazily, so the list comes from a plan run) and generates one RSA-4096 key, the two
   things no plan can skip. Runs alternate, so both see the same load; the ratio is of medians
   (target: at most 1.3).
2. The cost of each extra resource in a fleet plan: fleets of 50 and 500 clusters (the stack
   `fleet_bench.py` generates), the difference in wall time divided by the resources added
   (target: at most 6 ms).
Not a test: timings depend on the machine and its load, which a ratio measured in one run cancels
only in part.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
from pathlib import Path

from fleet_bench import ROOT, machine, measure, replace_section, timed, write_fleet

# What a plan cannot avoid: every module the program loads (the SDKs load a resource's module only
# when the program first uses it, so the list comes from a plan run, in the order they loaded, less
# the modules registered lazily and never executed) and the one RSA-4096 key the mock provider must
# generate. The floor tunes the garbage collector as the plan CLI does, so that the ratio shows what
# the plan adds, not what a collector setting saves.
LOADED = """
import contextlib, io, sys
from components.plan import cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    cli.main(["--stack", "dev", "--json"])
print("\\n".join(
    name for name, module in list(sys.modules.items())
    if name != "__main__" and not name.startswith("components") and type(module).__name__ != "_LazyModule"
))
"""
FLOOR = """
import sys
from components.plan.cli import tune_gc_for_one_run
tune_gc_for_one_run()
import importlib
for name in open(sys.argv[1]).read().split():
    try:
        importlib.import_module(name)
    except ImportError:  # a name only reachable as an attribute (cryptography's `_openssl`): loaded anyway
        pass
from cryptography.hazmat.primitives.asymmetric import rsa
rsa.generate_private_key(public_exponent=65537, key_size=4096)
"""
RATIO_TARGET, SLOPE_TARGET_MS = 1.3, 6.0


def dev_against_floor(repeat: int) -> tuple[list[float], list[float], int]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as modules:
        names = timed([sys.executable, "-c", LOADED])[2]
        modules.write(names)
        modules.flush()
        plans, floors = [], []
        for _ in range(repeat):
            floors.append(timed([sys.executable, "-c", FLOOR, modules.name])[0])
            plans.append(timed([sys.executable, "-m", "components.plan", "--stack", "dev"])[0])
            print(f"  floor {floors[-1]:.2f} s, dev plan {plans[-1]:.2f} s", flush=True)
    return plans, floors, len(names.split())


def fleet_slope(small: int, large: int) -> tuple[dict[str, float], dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        runs = (measure(write_fleet(Path(tmp), small)), measure(write_fleet(Path(tmp), large)))
    for size, run in zip((small, large), runs, strict=True):
        print(
            f"  {size} clusters: {run['resources']:.0f} resources, {run['seconds']:.1f} s, {run['peak_mb']:.0f} MB",
            flush=True,
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="dev plan / floor pairs (medians)")
    parser.add_argument("--sizes", type=int, nargs=2, default=[50, 500], metavar=("SMALL", "LARGE"))
    parser.add_argument("--write", type=Path, help="markdown file whose plan-bench section is replaced")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    plans, floors, modules = dev_against_floor(args.repeat)
    plan, floor = statistics.median(plans), statistics.median(floors)
    small, large = fleet_slope(*args.sizes)
    load_after = os.getloadavg()[0]
    slope_ms = 1000 * (large["seconds"] - small["seconds"]) / (large["resources"] - small["resources"])

    verdict = {True: "met", False: "missed"}
    rows = [
        (
            f"Measured {datetime.date.today().isoformat()} on {machine()} (1-minute load average "
            f"{load_before:.1f} at the start, {load_after:.1f} at the end); "
            f"`{' '.join(['venv/bin/python', 'bench/plan_bench.py', *sys.argv[1:]])}`."
        ),
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| dev-stack plan, median of {args.repeat} | {plan:.2f} s (range {min(plans):.2f}–{max(plans):.2f}) | |",
        f"| floor: the {modules} modules a plan loads + one RSA-4096 key, median of {args.repeat} | {floor:.2f} s (range {min(floors):.2f}–{max(floors):.2f}) | |",
        f"| plan / floor | {plan / floor:.2f}× | ≤ {RATIO_TARGET}× ({verdict[plan / floor <= RATIO_TARGET]}) |",
        f"| fleet of {args.sizes[0]}: resources, wall, peak | {small['resources']:.0f}, {small['seconds']:.1f} s, {small['peak_mb']:.0f} MB | |",
        f"| fleet of {args.sizes[1]}: resources, wall, peak | {large['resources']:.0f}, {large['seconds']:.1f} s, {large['peak_mb']:.0f} MB | |",
        f"| per extra resource | {slope_ms:.2f} ms | ≤ {SLOPE_TARGET_MS:.0f} ms ({verdict[slope_ms <= SLOPE_TARGET_MS]}) |",
    ]
    print("\n".join(rows))
    if args.write:
        replace_section(args.write, "plan-bench", "\n".join(rows))


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    main()
