"""Offline-plan benchmark for fleets of 1, 50 and 500 clusters.

    venv/bin/python bench/fleet_bench.py [--sizes 1 50 500] [--write docs/benchmarks.md]

Generates a stack file and a kubeconfig with one context per cluster in a temporary directory,
runs `python -m components.plan --json` on it under `/usr/bin/time -v` (a fresh process each, as a
user would), and reports wall time, peak RSS and resource count. Results go to stdout and, with
--write, into the table of docs/benchmarks.md. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def write_fleet(directory: Path, size: int, lean: bool = False) -> Path:
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": f"edge-{i:04d}", "cluster": {"server": f"https://10.{i // 250}.{i % 250}.1:6443"}}
            for i in range(size)
        ],
        "users": [{"name": "bench", "user": {"token": "bench-token"}}],
        "contexts": [
            {"name": f"edge-{i:04d}", "context": {"cluster": f"edge-{i:04d}", "user": "bench"}} for i in range(size)
        ],
        "current-context": "edge-0000",
    }
    (directory / "kubeconfig").write_text(yaml.safe_dump(kubeconfig))
    config: dict[str, object] = {
        "arc-onboarding:location": "westeurope",
        "arc-onboarding:kubeconfig": str(directory / "kubeconfig"),
        "arc-onboarding:tags": {"fleet": "bench"},
        "arc-onboarding:proxy": {
            "httpsProxy": "http://proxy.corp.example:3128",
            "noProxy": ["10.43.0.0/16", "kubernetes.default.svc", ".svc.cluster.local", ".svc"],
        },
        "arc-onboarding:clusters": [
            {"clusterName": f"edge-{i:04d}", "resourceGroup": f"arc-bench-rg-{i % 10}", "kubeContext": f"edge-{i:04d}"}
            for i in range(size)
        ],
    }
    if lean:  # the per-cluster resources that are optional: the preflight Job and the verify step
        config["arc-onboarding:preflight"] = {"enabled": False}
        config["arc-onboarding:verify"] = False
    stack = directory / f"Pulumi.bench-{size}{'-lean' if lean else ''}.yaml"
    stack.write_text(yaml.safe_dump({"config": config}))
    return stack


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one fresh process, from `/usr/bin/time -v`."""
    run = subprocess.run(["/usr/bin/time", "-v", *command], cwd=ROOT, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(command[-4:])} failed: {run.stderr.strip().splitlines()[-1]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", run.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    assert wall and rss, run.stderr
    hours, minutes, seconds = int(wall[1] or 0), int(wall[2]), float(wall[3])
    return hours * 3600 + minutes * 60 + seconds, int(rss[1]) / 1024, run.stdout


def measure(stack: Path) -> dict[str, float]:
    seconds, peak_mb, stdout = timed([sys.executable, "-m", "components.plan", "--config-file", str(stack), "--json"])
    return {"seconds": seconds, "peak_mb": peak_mb, "resources": len(json.loads(stdout)["resources"])}


def replace_section(path: Path, marker: str, text: str) -> None:
    """Replace what stands between `<!-- MARKER:start -->` and `<!-- MARKER:end -->` in a markdown file."""
    pattern = rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)"
    old = path.read_text()
    new = re.sub(pattern, lambda m: m[1] + text + "\n" + m[2], old, flags=re.DOTALL)
    if new == old and text not in old:
        raise SystemExit(f"{path}: no <!-- {marker}:start/end --> section to replace")
    path.write_text(new)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 50, 500])
    parser.add_argument("--lean", action="store_true", help="also measure fleets without preflight and verify")
    parser.add_argument("--write", type=Path, help="markdown file whose results table is replaced")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for lean in (False, True) if args.lean else (False,):
            for size in args.sizes:
                result = measure(write_fleet(Path(tmp), size, lean))
                variant = "preflight and verify off" if lean else "defaults"
                rows.append(
                    f"| {size} | {variant} | {result['resources']} | {result['seconds']:.1f} | {result['peak_mb']:.0f} |"
                )
                print(rows[-1], flush=True)
    if args.write:
        table = "\n".join(
            [
                f"Measured {datetime.date.today().isoformat()} on {machine()}.",
                "",
                "| clusters | config | resources | wall time (s) | peak RSS (MB) |",
                "|---|---|---|---|---|",
                *rows,
            ]
        )
        replace_section(args.write, "results", table)


if __name__ == "__main__":
    main()
