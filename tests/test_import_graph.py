"""The program never imports the offline plan: `pulumi up` must not depend on the mock engine."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PLAN = "components.plan"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, package: str) -> set[str]:
    """Every module some source imports, relative imports resolved against its package."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            # `from components import plan` imports the package through its parent.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def file_imports(path: Path) -> set[str]:
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    return imported_modules(path.read_text(encoding="utf-8"), package)


def is_plan(module: str) -> bool:
    return module == PLAN or module.startswith(f"{PLAN}.")


def program_files() -> list[Path]:
    files = [ROOT / "__main__.py", *sorted((ROOT / "components").rglob("*.py"))]
    return [f for f in files if not module_name(f).startswith(PLAN)]


def test_the_program_never_imports_the_offline_plan() -> None:
    files = program_files()
    assert ROOT / "components" / "onboarding.py" in files and len(files) > 5
    offenders = {
        str(f.relative_to(ROOT)): sorted(filter(is_plan, file_imports(f)))
        for f in files
    }
    assert {f: m for f, m in offenders.items() if m} == {}


def test_the_check_sees_every_import_form() -> None:
    # The forms a program file could use to reach the plan, each found (else the test above proves nothing).
    forms = ["import components.plan.cli", "from components.plan import cli", "from .plan import engine", "from . import plan"]
    for form in forms:
        assert any(map(is_plan, imported_modules(form, "components"))), form
    assert not any(map(is_plan, imported_modules("from . import planner, settings", "components")))
