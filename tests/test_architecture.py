"""The import rules of docs/architecture.md, checked on the code.

Written against module names, so they hold whether a concern is one module or a package
(components.settings, components.scripts, components.plan).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROVIDER_SDKS = ("pulumi_azure_native", "pulumi_kubernetes", "pulumi_command", "pulumi_tls")
RESOURCES = (
    "components.preflight", "components.flux", "components.arc_policy", "components.precheck",
    "components.arc_cluster", "components.onboarding", "components.arc_extensions", "components.gateway",
    "components.agent_key", "components.container_insights", "components.conversion",
)  # fmt: skip
OFFLINE_PLAN = ("components.plan",)
# Tools that run beside the program, like the offline plan: the sharder (python -m components.shard).
TOOLS = (*OFFLINE_PLAN, "components.shard")
DATA_AND_RULES = (
    "components.schema", "components.clouds", "components.regions", "components.network", "components.keys",
    "components.detection", "components.scripts", "components.policy", "components.policy_catalog",
    "components.extensions", "components.arm_body", "components.agent_releases", "components.extension_catalog",
    "components.data_plane",
)  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved, at any depth (lazy imports too)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


PROGRAM = [ROOT / "__main__.py"] + [
    p for p in sorted((ROOT / "components").rglob("*.py")) if not within(module_name(p), TOOLS)
]


def ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.mark.parametrize("path", PROGRAM, ids=ids(PROGRAM))
def test_the_program_never_imports_the_offline_plan(path: Path) -> None:
    assert [m for m in imported(path) if within(m, TOOLS)] == []


def test_the_sharder_imports_no_resource() -> None:
    """It reads settings and writes files; it plans nothing itself (the plan runs the shards)."""
    for path in sorted((ROOT / "components" / "shard").glob("*.py")):
        assert [m for m in imported(path) if within(m, PROVIDER_SDKS + RESOURCES)] == [], path.name


NOT_RESOURCES = [p for p in PROGRAM[1:] if not within(module_name(p), RESOURCES)]


@pytest.mark.parametrize("path", NOT_RESOURCES, ids=ids(NOT_RESOURCES))
def test_value_builders_import_no_resource(path: Path) -> None:
    assert [m for m in imported(path) if within(m, PROVIDER_SDKS + RESOURCES)] == []


PURE = [p for p in PROGRAM[1:] if within(module_name(p), DATA_AND_RULES)]


@pytest.mark.parametrize("path", PURE, ids=ids(PURE))
def test_data_and_rules_import_no_pulumi(path: Path) -> None:
    assert [m for m in imported(path) if within(m, ("pulumi", *PROVIDER_SDKS))] == []


def test_the_rules_see_the_modules_they_name() -> None:
    """A renamed module must not let a rule pass by checking nothing."""
    names = {module_name(p) for p in PROGRAM}
    assert all(any(within(n, (m,)) for n in names) for m in RESOURCES + DATA_AND_RULES)
    assert imported(ROOT / "components" / "arc_cluster.py") >= {"pulumi_kubernetes", "components.agent_values"}
