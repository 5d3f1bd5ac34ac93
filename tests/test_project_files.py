"""Project files agree with the code: Pulumi.yaml's schema and defaults, the docs' generated tables."""

from __future__ import annotations

import json
import re

import jsonschema
import yaml

from components.schema import NAMESPACE, SCHEMA, config_table, default_of
from tests.conftest import FIXTURES, ROOT


def test_pulumi_yaml_validates_against_pulumis_project_schema() -> None:
    schema = json.loads((FIXTURES / "pulumi-project.schema.json").read_text())
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    jsonschema.validate(project, schema)


def test_pulumi_yaml_declares_only_defaulted_keys_equal_to_the_schema() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == NAMESPACE
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == "venv"
    for name, declaration in project["config"].items():
        key = SCHEMA[name]
        assert not key.required
        assert declaration["type"] == key.type
        assert declaration["default"] == default_of(key), name


def test_docs_generated_sections_are_current() -> None:
    """Run `venv/bin/python scripts/update_readme.py` after changing the schema, clouds or endpoints."""
    from scripts.update_readme import DOCS, render

    for relative, sections in DOCS.items():
        text = (ROOT / relative).read_text()
        assert render(text, sections, relative) == text, f"{relative} is stale: run scripts/update_readme.py"
    assert config_table() in (ROOT / "docs" / "configuration.md").read_text()


def test_readme_has_exactly_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## On a fresh machine", 1)[1].split("\n## ", 1)[0]
    # One block each: `make plan` runs in the doc-block test, `make test` is that suite.
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    commands = [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]
    assert commands == ["make plan", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
