"""Issue 10 finding 7: one hash-locked install for every place the program runs, actions pinned by
commit, the Pulumi CLI and the operator's image pinned, and zizmor's offline audit clean."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([0-9][0-9A-Za-z.+-]*)$")


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def lock() -> dict[str, Any]:
    return tomllib.loads((ROOT / "uv.lock").read_text())


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: list[str]) -> dict[str, str]:
    out = {}
    for requirement in requirements:
        match = PIN.match(requirement)
        assert match, f"not an exact pin: {requirement}"
        out[normalize(match.group(1))] = match.group(2)
    return out


def lock_problems(project: dict[str, Any], locked: dict[str, Any]) -> list[str]:
    """Where uv.lock does not pin what pyproject.toml asks for, or pins something without hashes."""
    problems = []
    packages = {normalize(p["name"]): p for p in locked["package"]}
    root = packages.get(normalize(project["project"]["name"]))
    if root is None:
        return ["the project itself is not in the lock"]
    wanted = {"": pins(project["project"]["dependencies"])}
    wanted.update({group: pins(reqs) for group, reqs in project.get("dependency-groups", {}).items()})
    locked_groups = {"": root.get("metadata", {}).get("requires-dist", [])}
    locked_groups.update(root.get("metadata", {}).get("requires-dev", {}))
    for group, requirements in wanted.items():
        got = {normalize(r["name"]): r.get("specifier", "") for r in locked_groups.get(group, [])}
        expected = {name: f"=={version}" for name, version in requirements.items()}
        if got != expected:
            problems.append(f"group {group or 'main'!r}: lock has {got}, pyproject wants {expected}")
        for name, version in requirements.items():
            if name not in packages or packages[name]["version"] != version:
                problems.append(f"{name}: pinned {version}, locked {packages.get(name, {}).get('version')}")
    for name, package in packages.items():
        if package is root:
            continue
        artifacts = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        if not artifacts or not all(str(a.get("hash", "")).startswith("sha256:") for a in artifacts):
            problems.append(f"{name}: no sha256 hash for every artifact")
        if "registry" not in package.get("source", {}):
            problems.append(f"{name}: not from the package index ({package.get('source')})")
    return problems


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    assert lock_problems(pyproject(), lock()) == []
    locked = {normalize(p["name"]) for p in lock()["package"]}
    assert {"pulumi", "grpcio", "protobuf", "cryptography", "cffi"} <= locked  # transitive too


@pytest.mark.parametrize("change", ["pin", "new-dependency", "hash"])
def test_a_stale_or_hashless_lock_is_caught(change: str) -> None:
    project, locked = copy.deepcopy(pyproject()), copy.deepcopy(lock())
    if change == "pin":
        project["project"]["dependencies"][0] = "pulumi==3.1.0"
    elif change == "new-dependency":
        project["project"]["dependencies"].append("requests==2.32.5")
    else:
        (grpcio,) = [p for p in locked["package"] if p["name"] == "grpcio"]
        grpcio["wheels"][0].pop("hash")
    assert lock_problems(project, locked)


def test_dependencies_have_one_home() -> None:
    """pyproject.toml + uv.lock only. A requirements.txt next to Pulumi.yaml would be a second list
    (and Pulumi's uv toolchain converts one into a pyproject when there is no lock)."""
    assert not list(ROOT.glob("requirements*.txt"))
    assert not list(ROOT.glob("*.whl"))  # the stray pyflakes wheel
    options = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]["options"]
    assert options == {"toolchain": "uv", "virtualenv": "venv"}
    assert pyproject()["tool"]["uv"]["package"] is False


def test_make_installs_from_the_lock_and_checks_it_is_fresh() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\t\$\(UV\) sync --frozen\b", makefile, re.M)
    assert re.search(r"^export UV_PROJECT_ENVIRONMENT := \$\(VENV\)$", makefile, re.M)
    assert re.search(r"^\t\$\(UV\) lock --check$", makefile, re.M)
    (test_target,) = re.findall(r"^test:(.*)$", makefile, re.M)
    assert "lock-check" in test_target.split()
    # uv itself comes hash-checked from tools/uv.txt when the one on PATH is not that version.
    assert "--require-hashes -r tools/uv.txt" in makefile


def test_the_uv_pin_is_hash_locked() -> None:
    text = (ROOT / "tools" / "uv.txt").read_text()
    requirements = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert re.fullmatch(r"uv==\d+\.\d+\.\d+ \\", requirements[0])
    hashes = [line for line in requirements[1:] if "--hash=sha256:" in line]
    assert len(hashes) == len(requirements) - 1 >= 10  # one per wheel: every platform


def pulumi_sdk_version() -> str:
    return pins(pyproject()["project"]["dependencies"])["pulumi"]


def test_workflows_pin_the_pulumi_cli_to_the_sdk_version() -> None:
    seen = 0
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("pulumi/actions@"):
                    assert step["with"]["pulumi-version"] == pulumi_sdk_version(), path.name
                    seen += 1
    assert seen == 5


def test_the_operator_workspace_image_is_the_pinned_cli() -> None:
    """The kitchen-sink image of the CLI the SDK pin names; it ships uv, which `pulumi install`
    runs for Pulumi.yaml's toolchain. No digest of it is published where this project can read it;
    docs/security.md says how to refresh and where to pin a digest."""
    for path in sorted((ROOT / "deploy" / "operator").glob("stack*.yaml")):
        images = {i.split("@sha256:")[0] for i in re.findall(r"^\s*image: (\S+)$", path.read_text(), re.M)}
        assert images == {f"pulumi/pulumi:{pulumi_sdk_version()}"}, path.name


def zizmor(*args: str) -> subprocess.CompletedProcess[str]:
    binary = Path(sys.executable).parent / "zizmor"
    if not binary.is_file():
        pytest.fail("zizmor is not installed: `make` installs the dev group of pyproject.toml")
    command = [str(binary), "--offline", "--no-progress", "--color=never", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_zizmor_offline_audit_of_the_workflows_reports_nothing() -> None:
    result = zizmor(".github/workflows")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_zizmor_flags_an_unpinned_action(tmp_path: Path) -> None:
    (tmp_path / "w.yml").write_text(
        "on: push\n"
        "permissions: {}\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v5\n"
        "        with:\n"
        "          persist-credentials: false\n"
    )
    result = zizmor(str(tmp_path / "w.yml"))
    assert result.returncode != 0
    assert "unpinned-uses" in result.stdout
