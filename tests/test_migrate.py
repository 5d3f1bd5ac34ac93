"""components/migrate.py: the state migration from the typed connected cluster (no Pulumi needed)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components import arm_body, migrate

FIXTURE = Path(__file__).parent / "fixtures" / "state-typed-cluster.json"
CIPHERTEXT = "do-not-print-me"


def exported() -> dict[str, Any]:
    value: dict[str, Any] = json.loads(FIXTURE.read_text())
    return value


def cluster(state: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any]
    (found,) = [r for r in state["deployment"]["resources"] if r["type"] == arm_body.LEGACY_CLUSTER_TYPE]
    return found


def test_adds_the_generic_path_parameters_to_inputs_and_outputs() -> None:
    before = exported()
    after, changes = migrate.migrate(before)
    migrated = cluster(after)
    expected = {
        "resourceName": "arc-dev-cluster",
        "resourceProviderNamespace": "Microsoft.Kubernetes",
        "resourceType": "connectedClusters",
        "parentResourcePath": "",
    }
    for key, value in expected.items():
        assert migrated["inputs"][key] == value
        assert migrated["outputs"][key] == value
    assert [c.urn for c in changes] == [cluster(before)["urn"]]
    assert before == exported(), "the argument was modified"


def test_keeps_urn_type_protect_and_every_old_key() -> None:
    before = cluster(exported())
    after = cluster(migrate.migrate(exported())[0])
    for key in ("urn", "type", "id", "parent", "protect"):
        assert after[key] == before[key]
    for where in ("inputs", "outputs"):
        assert {k: after[where][k] for k in before[where]} == before[where]


def test_the_body_moves_under_properties_where_replace_on_changes_looks() -> None:
    inputs = cluster(migrate.migrate(exported())[0])["inputs"]
    assert "properties.agentPublicKeyCertificate" in arm_body.CLUSTER_REPLACE_ON_CHANGES
    assert inputs["properties"]["agentPublicKeyCertificate"] == inputs["agentPublicKeyCertificate"]
    # A secret stays the ciphertext object it was, never decrypted.
    assert inputs["properties"]["privateLinkScopeResourceId"]["ciphertext"].endswith(CIPHERTEXT)


def test_every_replace_key_of_the_generic_resource_is_then_in_the_old_inputs() -> None:
    """The stand-in's GenericResource path parameters (azure-native's PutParameters with location
    "path") plus location: none is an ADD after the migration, so none replaces."""
    from tests.engine.standins.azure_native import GenericResource, arm_diff

    inputs = cluster(migrate.migrate(exported())[0])["inputs"]
    replace_keys = (*GenericResource.path_params, "location")
    news = {**{k: inputs[k] for k in replace_keys}, "apiVersion": arm_body.CLUSTER_API_VERSION}
    assert arm_diff(inputs, {}, news, replace_keys).replaces == []
    old = cluster(exported())["inputs"]
    assert arm_diff(old, {}, news, replace_keys).replaces, "without the migration the Diff should replace"


def test_a_second_run_changes_nothing() -> None:
    once, _ = migrate.migrate(exported())
    twice, changes = migrate.migrate(once)
    assert changes == [] and twice == once


def test_a_state_without_the_typed_cluster_is_left_alone() -> None:
    state = exported()
    state["deployment"]["resources"] = [r for r in state["deployment"]["resources"] if r is not cluster(state)]
    assert migrate.migrate(state) == (state, [])


def test_refuses_a_state_with_pending_operations() -> None:
    state = exported()
    state["deployment"]["pending_operations"] = [{"resource": copy.deepcopy(cluster(state)), "type": "creating"}]
    with pytest.raises(migrate.MigrationError, match="pending operations"):
        migrate.migrate(state)


def test_a_user_value_already_there_is_kept() -> None:
    state = exported()
    cluster(state)["inputs"]["resourceName"] = "renamed"
    after, changes = migrate.migrate(state)
    assert cluster(after)["inputs"]["resourceName"] == "renamed"
    assert "resourceName" not in changes[0].inputs


def fake_pulumi(tmp_path: Path, state: dict[str, Any]) -> Path:
    """A `pulumi` on PATH that answers `stack export` with `state` and records `stack import`."""
    (tmp_path / "state.json").write_text(json.dumps(state))
    script = tmp_path / "bin" / "pulumi"
    script.parent.mkdir()
    script.write_text(
        f"""#!/bin/sh
echo "$@" >> {tmp_path}/calls
case "$1 $2" in
  "stack export") cat {tmp_path}/state.json ;;
  "stack import") cat > {tmp_path}/state.json ;;
esac
"""
    )
    script.chmod(0o755)
    return script.parent


def run_cli(tmp_path: Path, bin_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[1]
    return subprocess.run(
        [sys.executable, "-m", "components.migrate", "--stack", "dev", *args],
        cwd=root,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_imports_once_prints_key_names_only_and_is_idempotent(tmp_path: Path) -> None:
    bin_dir = fake_pulumi(tmp_path, exported())
    dry = run_cli(tmp_path, bin_dir, "--dry-run")
    assert dry.returncode == 0 and "dry run" in dry.stdout and "resourceName" in dry.stdout
    assert "stack import" not in (tmp_path / "calls").read_text()
    first = run_cli(tmp_path, bin_dir)
    assert first.returncode == 0, first.stderr
    assert "arc-dev-cluster: inputs + resourceName" in first.stdout
    for secret in (CIPHERTEXT, "MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA"):
        assert secret not in first.stdout + first.stderr
    assert "stack import --stack dev\n" in (tmp_path / "calls").read_text()
    assert cluster(json.loads((tmp_path / "state.json").read_text()))["inputs"]["resourceType"] == "connectedClusters"
    second = run_cli(tmp_path, bin_dir)
    assert second.returncode == 0 and "nothing to migrate" in second.stdout
    assert (tmp_path / "calls").read_text().count("stack import") == 1


def test_cli_refuses_pending_operations_without_writing(tmp_path: Path) -> None:
    state = exported()
    state["deployment"]["pending_operations"] = [{"resource": cluster(state), "type": "creating"}]
    bin_dir = fake_pulumi(tmp_path, state)
    done = run_cli(tmp_path, bin_dir)
    assert done.returncode == 1 and "pending operations" in done.stderr and "Traceback" not in done.stderr
    assert "stack import" not in (tmp_path / "calls").read_text()
