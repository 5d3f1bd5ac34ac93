"""Sharded-fleet benchmark: an inventory of 5,000 clusters, sharded and planned in parallel processes.

    venv/bin/python bench/shard_bench.py [--clusters 5000] [--size 50] [--write docs/benchmarks.md]

In a temporary project (links to this one's program, plus a generated inventory, kubeconfigs and
stack file), runs `python -m components.shard` and then `python -m components.plan --shards` under
`/usr/bin/time -v`, and reports the wall time of each, the slowest shard and the largest peak
resident memory of any process (each shard's plan process reports its own, from the kernel). Not a
test: timings depend on the machine and its load. The target (issue 13): under 5 minutes, every
process under 200 MB, on a 2-core machine.
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
# What the shard tool and the plan read from the project: the program and the templates.
PROJECT_LINKS = ("Pulumi.yaml", "__main__.py", "components", "deploy", ".github", "tools", "Makefile")
# 50 stores per resource group (and per kubeconfig file), so 100 groups for 5,000 stores.
PER_GROUP = 50
REGIONS = ("westeurope", "northeurope", "francecentral", "germanywestcentral", "uksouth")


def write_project(directory: Path, clusters: int) -> str:
    """A fleet stack whose clusters come from an inventory: one group and kubeconfig per store region."""
    for name in PROJECT_LINKS:
        (directory / name).symlink_to(ROOT / name)
    per_group = PER_GROUP
    kubeconfigs = directory / "kubeconfigs"
    kubeconfigs.mkdir()
    items = []
    for group in range(-(-clusters // PER_GROUP)):
        names = [f"store-{group:03d}-{i:03d}" for i in range(per_group) if group * per_group + i < clusters]
        if not names:
            continue
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": n, "cluster": {"server": f"https://{n}.stores.example:6443"}} for n in names],
            "users": [{"name": "bench", "user": {"token": "bench-token"}}],
            "contexts": [{"name": n, "context": {"cluster": n, "user": "bench"}} for n in names],
            "current-context": names[0],
        }
        (kubeconfigs / f"group-{group:03d}.yaml").write_text(yaml.safe_dump(kubeconfig))
        for name in names:
            items.append(
                {
                    "clusterName": name,
                    "resourceGroup": f"arc-stores-{group:03d}-rg",
                    "location": REGIONS[group % len(REGIONS)],
                    "kubeconfig": f"kubeconfigs/group-{group:03d}.yaml",
                    "kubeContext": name,
                    "tags": {"store": name},
                }
            )
    (directory / "inventory").mkdir()
    (directory / "inventory" / "stores.yaml").write_text(yaml.safe_dump(items, sort_keys=False))
    config = {
        "arc-onboarding:location": "westeurope",
        "arc-onboarding:inventory": "inventory/stores.yaml",
        "arc-onboarding:tags": {"fleet": "bench"},
        "arc-onboarding:proxy": {
            "httpsProxy": "http://proxy.corp.example:3128",
            "noProxy": ["10.43.0.0/16", "kubernetes.default.svc", ".svc.cluster.local", ".svc"],
        },
    }
    (directory / "Pulumi.stores.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return "stores"


def timed(command: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system, the process and its children), peak RSS (MB of
    the largest process of the tree) and stdout of one fresh process, from `/usr/bin/time -v`."""
    run = subprocess.run(["/usr/bin/time", "-v", *command], cwd=cwd, capture_output=True, text=True, check=False)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", run.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    if run.returncode != 0 or not wall or not rss:
        raise SystemExit(f"{' '.join(command)} failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    hours, minutes, seconds = int(wall[1] or 0), int(wall[2]), float(wall[3])
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", run.stderr))
    return hours * 3600 + minutes * 60 + seconds, cpu, int(rss[1]) / 1024, run.stdout


def load_average() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=5000)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--write", type=Path, help="markdown file whose shard-bench section is replaced")
    args = parser.parse_args()
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        stack = write_project(project, args.clusters)
        env_python = sys.executable
        shard_seconds, shard_cpu, shard_mb, shard_out = timed(
            [
                env_python,
                "-m",
                "components.shard",
                "--stack",
                stack,
                "--size",
                str(args.size),
                "--by",
                "group",
                "--out",
                "shards",
            ],
            project,
        )
        print(shard_out, end="", flush=True)
        plan_seconds, plan_cpu, tree_mb, plan_out = timed(
            [env_python, "-m", "components.plan", "--shards", "shards", "--json"], project
        )
    document = json.loads(plan_out)
    shards = document["shards"]
    failed = [s["stack"] for s in shards if s["code"] != 0]
    if failed:
        raise SystemExit(f"shards that did not plan: {', '.join(failed)}")
    peak = max(s["peak_mb"] for s in shards)
    slowest = max(shards, key=lambda s: s["seconds"])
    load_after = load_average()
    rows = [
        ("clusters, shards (stacks planned, groups stack included)", f"{document['clusters']}, {len(shards)}"),
        ("resources planned", f"{document['resources']}"),
        (f"`components.shard` (validate {args.clusters}, assign, write)", f"{shard_seconds:.1f} s, {shard_mb:.0f} MB"),
        ("`components.plan --shards` wall time (2 processes at a time)", f"{plan_seconds:.1f} s"),
        ("slowest shard", f"{slowest['seconds']:.1f} s ({slowest['stack']})"),
        ("largest shard process, peak RSS", f"{peak:.0f} MB"),
        ("any process of the `--shards` tree, peak RSS (`/usr/bin/time`)", f"{tree_mb:.0f} MB"),
        ("shard + plan, wall time", f"{shard_seconds + plan_seconds:.1f} s"),
        (
            "shard + plan, CPU time (user + system, every process)",
            f"{shard_cpu + plan_cpu:.0f} s, i.e. {(shard_cpu + plan_cpu) / (os.cpu_count() or 1):.0f} s "
            f"of wall time on {os.cpu_count()} idle cores",
        ),
    ]
    target_time = shard_seconds + plan_seconds < 300
    target_memory = max(peak, shard_mb, tree_mb) < 200
    command = (
        f"venv/bin/python bench/shard_bench.py --clusters {args.clusters} --size {args.size} --write docs/benchmarks.md"
    )
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()} (1-minute load average {load_before:.1f} at the start, "
        f"{load_after:.1f} at the end); `{command}`.",
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {name} | {value} |" for name, value in rows],
        f"| target: under 5 minutes | {'met' if target_time else 'missed'} |",
        f"| target: every process under 200 MB | {'met' if target_memory else 'missed'} "
        f"(largest {max(peak, shard_mb, tree_mb):.0f} MB) |",
    ]
    print("\n".join(lines))
    if args.write:
        text = args.write.read_text()
        pattern = r"(<!-- shard-bench:start -->\n).*?(<!-- shard-bench:end -->)"
        new = re.sub(pattern, lambda m: m[1] + "\n".join(lines) + "\n" + m[2], text, flags=re.DOTALL)
        if new == text and "\n".join(lines) not in text:
            raise SystemExit(f"{args.write}: no <!-- shard-bench:start/end --> section")
        args.write.write_text(new)


if __name__ == "__main__":
    main()
