"""Sharding a fleet (issue 13 §2): inventories, sticky assignment, and the generated stacks.

The generated stacks are checked the way their consumers would: each shard's stack file is planned
offline (and the groups stack too), so "no resource declared by two stacks" is read off the
registrations; stack files are checked against the project's declared config types; the operator's
Stacks against its CRD; the workflow with actionlint and the credential rules of deploy.yml.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from components.plan.cli import main as plan_main
from components.schema import GROUPS_STACK_KEYS, SCHEMA, Key
from components.settings import ConfigError, load
from components.shard import stackfiles
from components.shard.assign import Member, ShardError, ShardMap, assign, map_text, read_map, shard_name
from components.shard.cli import main as shard_main
from tests.conftest import FIXTURES, KUBECONFIG, ROOT, engine_config
from tests.test_gitops_deploy import (
    EXPRESSION,
    LITERAL_SECRETS,
    PINNED_ACTION,
    StackValidator,
    actionlint,
    errors_of,
    kubernetes_to_jsonschema,
    stack_crd_schema,
    steps,
    triggers,
)
from tests.test_supply_chain import zizmor

GROUP = "azure-native:resources:ResourceGroup"
REGISTER = "register-microsoft."
COMPONENT = "arc-onboarding:index:ArcConnectedCluster"
CIPHERTEXT = "AAABAKh1Zm9vYmFyY2lwaGVydGV4dA=="  # what `pulumi config set --secret` leaves in a stack file

# ---------------------------------------------------------------------------------------------
# Assignment


def members(count: int, partitions: int = 1, start: int = 0) -> list[Member]:
    return [Member(f"rg-{i % partitions}/store-{i:04d}", f"p{i % partitions}") for i in range(start, start + count)]


@given(count=st.integers(1, 300), size=st.integers(1, 60), partitions=st.integers(1, 7))
def test_every_cluster_is_in_exactly_one_shard_of_at_most_size(count: int, size: int, partitions: int) -> None:
    shard_map = assign(members(count, partitions), None, "fleet", "region", size)
    placed = [m for held in shard_map.shards.values() for m in held]
    assert Counter(placed) == Counter(m.id for m in members(count, partitions))
    assert all(1 <= len(held) <= size for held in shard_map.shards.values())
    # --by: one partition per shard
    for held in shard_map.shards.values():
        assert len({m.split("/")[0] for m in held}) == 1


@given(count=st.integers(2, 200), size=st.integers(1, 40), seed=st.randoms())
def test_assignment_is_sticky_across_insertions_and_removals(count: int, size: int, seed) -> None:
    before = members(count, 3)
    first = assign(before, None, "fleet", "none", size)
    removed = set(seed.sample([m.id for m in before], k=count // 3))
    survivors = [m for m in before if m.id not in removed]
    added = members(count // 2 + 1, 3, start=count)
    after = survivors[: len(survivors) // 2] + added + survivors[len(survivors) // 2 :]  # inserted mid-list
    second = assign(after, first, "fleet", "none", size)
    was, now = first.shard_of(), second.shard_of()
    assert all(now[m.id] == was[m.id] for m in survivors)
    assert set(now) == {m.id for m in after}
    assert not removed & set(now)
    # New clusters fill shards with room before new shards open.
    assert len(second.shards) <= len(first.shards) + -(-len(added) // size)


def test_a_cluster_in_two_shards_of_the_map_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "fleet.shards.yaml"
    path.write_text(map_text(ShardMap("fleet", "none", {"fleet-001": ["rg/a", "rg/b"], "fleet-002": ["rg/b"]})))
    with pytest.raises(ShardError, match=r"cluster rg/b is in two shards, fleet-001 and fleet-002"):
        read_map(path)


def test_the_partition_cannot_change_under_a_map_and_duplicates_are_refused() -> None:
    first = assign(members(4), None, "fleet", "region", 2)
    with pytest.raises(ShardError, match="partitions by region, not group"):
        assign(members(4), first, "fleet", "group", 2)
    with pytest.raises(ShardError, match="listed twice"):
        assign([*members(2), members(1)[0]], None, "fleet", "none", 2)


def test_shard_names_fit_the_operators_42_characters_and_stay_distinct() -> None:
    long = shard_name("a-very-long-fleet-stack-name", "germanywestcentral-and-more", 7)
    other = shard_name("a-very-long-fleet-stack-name", "germanywestcentral-and-mora", 7)
    assert len(long) <= 42 and long.endswith("-007") and long != other
    assert shard_name("Fleet", "Arc_Stores(EU).rg", 1) == "fleet-arc-stores-eu-rg-001"


# ---------------------------------------------------------------------------------------------
# Inventories


def test_a_csv_inventory_reads_flat_keys_as_the_schema_types(monkeypatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(KUBECONFIG))
    config = {
        "location": "westeurope",
        "resourceGroup": "arc-stores-rg",
        "inventory": "tests/fixtures/inventory/stores.csv",
        "agents": {"timeoutSeconds": 900},
    }
    settings = load(engine_config(config), [], ROOT, os.environ)
    first, second = settings.clusters
    assert (first.cluster_name, first.verify, first.agents.timeout_seconds) == ("store-1", False, 600)
    assert (second.cluster_name, second.verify, second.agents.timeout_seconds) == ("store-2", True, 900)


def test_an_inventory_and_an_inline_fleet_plan_alike(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KUBECONFIG", str(KUBECONFIG))
    items = [
        {"clusterName": "store-1", "kubeContext": "kind-arc-dev"},
        {"clusterName": "store-2", "kubeContext": "kind-other"},
    ]
    (tmp_path / "stores.yaml").write_text(yaml.safe_dump(items))
    top = {"location": "westeurope", "resourceGroup": "arc-stores-rg"}
    inline = load(engine_config({**top, "clusters": items}), [], tmp_path, os.environ)
    listed = load(engine_config({**top, "inventory": "stores.yaml"}), [], tmp_path, os.environ)
    assert inline == listed


def test_a_groups_stack_needs_a_location_and_no_cluster(monkeypatch) -> None:
    with pytest.raises(ConfigError) as error:
        load(engine_config({"groups": ["rg-a"], "clusterName": "x"}), [], ROOT, os.environ)
    assert {p.split(": ")[0] for p in error.value.problems} == {"arc-onboarding:clusterName", "arc-onboarding:location"}


def example_value(key: Key) -> Any:
    """A value of the key's type that is not its default (objects: their first field set)."""
    if key.type == "boolean":
        return key.default is not True
    if key.type == "integer":
        return (key.default or 0) + 7
    if key.type == "object":
        name, field = next(iter(key.fields.items()))
        return {name: example_value(field)}
    if key.type == "array":
        return [example_value(Key("object", "", fields=key.fields)) if key.items == "object" else "x"]
    if key.type in ("map", "json"):
        return {"a": "b"}
    return "x"


@pytest.mark.parametrize("name", sorted(SCHEMA.keys() - GROUPS_STACK_KEYS))
def test_a_groups_stack_refuses_every_key_it_would_ignore(name: str) -> None:
    """A groups stack declares no cluster: a per-cluster key (extensions, policy, gitops, ...) set in
    it was silently ignored. Every key the schema does not mark as read by a groups stack is refused,
    alone, naming itself."""
    config = {"groups": ["rg-a"], "location": "westeurope", name: example_value(SCHEMA[name])}
    with pytest.raises(ConfigError) as error:
        load(engine_config(config), [], ROOT, os.environ)
    assert [p.split(": ")[0] for p in error.value.problems] == [f"arc-onboarding:{name}"], error.value.problems


def test_a_groups_stack_takes_the_project_defaults_and_its_own_keys() -> None:
    """The engine passes Pulumi.yaml's declared defaults as set (`distribution: generic`, `verify: true`):
    at their defaults the keys a groups stack does not read change nothing and pass."""
    config = {
        "groups": ["rg-a"], "location": "westeurope", "tags": {"a": "b"}, "protect": True, "cloud": "AzureCloud",
        "registerProviders": False, "resourceGroupLocations": {"rg-a": "northeurope"}, "createResourceGroup": True,
        "distribution": "generic", "infrastructure": "generic", "verify": True,
    }  # fmt: skip
    settings = load(engine_config(config), [], ROOT, os.environ)
    assert [(g.name, g.location, g.protect) for g in settings.groups] == [("rg-a", "northeurope", True)]


def test_the_sharder_writes_only_keys_a_groups_stack_reads() -> None:
    assert {k.split(":", 1)[1] for k in stackfiles._GROUPS_STACK_KEYS} <= GROUPS_STACK_KEYS


# ---------------------------------------------------------------------------------------------
# The generated stacks

SECURE_PROXY = {"secure": CIPHERTEXT}


def fleet_project(tmp_path: Path, count: int, groups: int = 3, extra: dict[str, Any] | None = None) -> Path:
    """A project directory (links to this program) with a fleet stack `fleet` of `count` clusters."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "components", "deploy", ".github", "tools", "Makefile"):
        (project / name).symlink_to(ROOT / name)
    names = [f"store-{i:03d}" for i in range(count)]
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": f"https://{n}.example:6443"}} for n in names],
        "users": [{"name": "u", "user": {"token": "fixture-token-5f2c9a1e7b"}}],
        "contexts": [{"name": n, "context": {"cluster": n, "user": "u"}} for n in names],
        "current-context": names[0],
    }
    (project / "kubeconfig.yaml").write_text(yaml.safe_dump(kubeconfig))
    write_fleet(project, names, groups, extra)
    return project


def write_fleet(project: Path, names: list[str], groups: int = 3, extra: dict[str, Any] | None = None) -> None:
    items = [
        {
            "clusterName": n,
            "resourceGroup": f"arc-stores-{int(n[-3:]) % groups}-rg",
            "kubeContext": n,
            "location": ("westeurope", "northeurope")[int(n[-3:]) % 2],
        }
        for n in names
    ]
    config = {
        "arc-onboarding:location": "westeurope",
        "arc-onboarding:kubeconfig": "kubeconfig.yaml",
        "arc-onboarding:tags": {"fleet": "stores"},
        "arc-onboarding:preflight": {"enabled": False},
        "arc-onboarding:clusters": items,
        **(extra or {}),
    }
    (project / "Pulumi.fleet.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))


def shard(project: Path, monkeypatch, *args: str) -> int:
    monkeypatch.chdir(project)
    return shard_main(["--stack", "fleet", "--out", "shards", *args])


def stack_files(project: Path) -> dict[str, dict[str, Any]]:
    return {
        p.name[len("Pulumi.") : -len(".yaml")]: yaml.safe_load(p.read_text())
        for p in (project / "shards").glob("Pulumi.*.yaml")
    }


def plan_document(project: Path, name: str, capsys) -> dict[str, Any]:
    capsys.readouterr()
    code = plan_main(["--config-file", str(project / "shards" / f"Pulumi.{name}.yaml"), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    document: dict[str, Any] = json.loads(out.out)
    return document


def test_every_cluster_lands_in_one_shard_and_no_resource_is_declared_twice(tmp_path, monkeypatch, capsys) -> None:
    project = fleet_project(tmp_path, 7)
    assert shard(project, monkeypatch, "--size", "3") == 0
    files = stack_files(project)
    assert set(files) == {"fleet-groups", "fleet-001", "fleet-002", "fleet-003"}
    declared: Counter[str] = Counter()
    read: Counter[str] = Counter()
    clusters: Counter[str] = Counter()
    for name in files:
        for resource in plan_document(project, name, capsys)["resources"]:
            urn_name = resource["name"]
            if resource["type"] == COMPONENT:
                clusters[urn_name] += 1
            elif resource["type"] == GROUP:
                (read if resource.get("read") else declared)[urn_name] += 1
            elif urn_name.startswith(REGISTER):
                declared[urn_name] += 1
    assert clusters == Counter({f"arc-stores-{i % 3}-rg/store-{i:03d}": 1 for i in range(7)})
    assert declared == Counter(
        {"arc-stores-0-rg": 1, "arc-stores-1-rg": 1, "arc-stores-2-rg": 1}
        | {f"{REGISTER}kubernetes": 1, f"{REGISTER}kubernetesconfiguration": 1}
    )
    # Every shard reads the groups of its clusters, created by the groups stack only.
    assert set(read) <= set(declared)
    for name, document in files.items():
        config = document["config"]
        if name == "fleet-groups":
            assert config["arc-onboarding:groups"] == ["arc-stores-0-rg", "arc-stores-1-rg", "arc-stores-2-rg"]
            continue
        assert config["arc-onboarding:registerProviders"] is False
        assert config["arc-onboarding:createResourceGroup"] is False
        assert all("createResourceGroup" not in item for item in config["arc-onboarding:clusters"])


def test_resource_group_locations_go_to_the_groups_stack_only(tmp_path, monkeypatch, capsys) -> None:
    """Issue 10 finding 17 with sharding: the groups stack places the groups it creates; a shard,
    which reads its groups, would refuse a location for a group none of its clusters is in."""
    placed = {"arc-onboarding:resourceGroupLocations": {"arc-stores-1-rg": "northeurope"}}
    project = fleet_project(tmp_path, 7, extra=placed)
    assert shard(project, monkeypatch, "--size", "3") == 0
    files = stack_files(project)
    assert files["fleet-groups"]["config"]["arc-onboarding:resourceGroupLocations"] == {
        "arc-stores-1-rg": "northeurope"
    }
    assert not [
        n for n, d in files.items() if n != "fleet-groups" and "arc-onboarding:resourceGroupLocations" in d["config"]
    ]
    groups = {
        r["name"]: r["inputs"]["location"]
        for r in plan_document(project, "fleet-groups", capsys)["resources"]
        if r["type"] == GROUP
    }
    assert groups == {
        "arc-stores-0-rg": "westeurope",
        "arc-stores-1-rg": "northeurope",
        "arc-stores-2-rg": "westeurope",
    }
    for name in files.keys() - {"fleet-groups"}:
        plan_document(project, name, capsys)


def test_the_shard_map_keeps_clusters_in_their_shard_when_others_come_and_go(tmp_path, monkeypatch) -> None:
    project = fleet_project(tmp_path, 6)
    assert shard(project, monkeypatch, "--size", "2", "--by", "region") == 0
    shard_map = read_map(project / "fleet.shards.yaml")
    assert shard_map is not None
    before = shard_map.shard_of()
    # Insert two clusters at the front, remove one: regenerate.
    names = ["store-006", "store-007"] + [f"store-{i:03d}" for i in range(6) if i != 3]
    kube = yaml.safe_load((project / "kubeconfig.yaml").read_text())
    for n in ("store-006", "store-007"):
        kube["clusters"].append({"name": n, "cluster": {"server": f"https://{n}.example:6443"}})
        kube["contexts"].append({"name": n, "context": {"cluster": n, "user": "u"}})
    (project / "kubeconfig.yaml").write_text(yaml.safe_dump(kube))
    write_fleet(project, names)
    assert shard(project, monkeypatch, "--size", "2", "--by", "region") == 0
    after_map = read_map(project / "fleet.shards.yaml")
    assert after_map is not None
    after = after_map.shard_of()
    for member, shard_of in before.items():
        if member != "arc-stores-0-rg/store-003":
            assert after[member] == shard_of, member
    assert "arc-stores-0-rg/store-003" not in after
    # Every stack file holds exactly the clusters the map gives it.
    for name, document in stack_files(project).items():
        if name != "fleet-groups":
            held = {f"{i['resourceGroup']}/{i['clusterName']}" for i in document["config"]["arc-onboarding:clusters"]}
            assert held == set(after_map.shards[name])


def test_secure_values_are_never_copied_but_listed_as_commands(tmp_path, monkeypatch, capsys) -> None:
    extra = {"arc-onboarding:proxy": {"httpsProxy": SECURE_PROXY, "noProxy": [".svc"]}}
    project = fleet_project(tmp_path, 3, extra=extra)
    config = yaml.safe_load((project / "Pulumi.fleet.yaml").read_text())
    config["config"]["arc-onboarding:clusters"][1]["agents"] = {"privateKey": {"secure": CIPHERTEXT + "x"}}
    config["encryptionsalt"] = "v1:c2FsdA==:v1:aXY=:Y2lwaGVy"
    (project / "Pulumi.fleet.yaml").write_text(yaml.safe_dump(config))
    assert shard(project, monkeypatch, "--size", "2") == 0
    out = capsys.readouterr().out
    generated = "".join(p.read_text() for p in (project / "shards").iterdir())
    assert CIPHERTEXT not in generated and "encryptionsalt" not in generated
    # Only the empty placeholders (issue 20 finding 10), which `pulumi up` refuses until set.
    assert set(re.findall(r"secure: (.*)", generated)) == {"''"}
    script = (project / "shards" / "set-secrets.sh").read_text()
    assert (
        "printf '%s' \"$ARC_SECRET_PROXY_HTTPSPROXY\" | pulumi config set --secret --path "
        'arc-onboarding:proxy.httpsProxy --stack "$PULUMI_ORG"/fleet-001' in script
    )
    # The item's secret goes to its new position in its shard, from its source position.
    assert (
        '"$ARC_SECRET_CLUSTERS_1_AGENTS_PRIVATEKEY" | pulumi config set --secret --path \'arc-onboarding:clusters[1].agents.privateKey\' --stack "$PULUMI_ORG"/fleet-001'
        in script
    )
    assert "arc-onboarding:clusters[1].agents.privateKey  <- $ARC_SECRET_CLUSTERS_1_AGENTS_PRIVATEKEY" in out
    assert "not copied: `encryptionsalt`" in out
    from tests.test_shellcheck import shellcheck_binary

    checked = subprocess.run(
        [str(shellcheck_binary()), str(project / "shards" / "set-secrets.sh")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout


def test_an_esc_environment_replaces_the_commands(tmp_path, monkeypatch, capsys) -> None:
    extra = {"arc-onboarding:proxy": {"httpsProxy": SECURE_PROXY}}
    project = fleet_project(tmp_path, 2, extra=extra)
    assert shard(project, monkeypatch, "--size", "2", "--esc", "stores/arc-secrets") == 0
    assert "the ESC environment stores/arc-secrets must set them under pulumiConfig" in capsys.readouterr().out
    assert not (project / "shards" / "set-secrets.sh").exists()
    files = stack_files(project)
    for name, document in files.items():
        if name != "fleet-groups":
            assert document["environment"] == ["stores/arc-secrets"]
    # The environment sets `proxy`, which a groups stack refuses: it imports it only for its own secrets.
    assert "environment" not in files["fleet-groups"]
    (tmp_path / "tagged").mkdir()
    tagged = fleet_project(tmp_path / "tagged", 2, extra={**extra, "arc-onboarding:tags": {"cost": SECURE_PROXY}})
    assert shard(tagged, monkeypatch, "--size", "2", "--esc", "stores/arc-secrets") == 0
    assert stack_files(tagged)["fleet-groups"]["environment"] == ["stores/arc-secrets"]


# Pulumi's stack settings file (pulumi/pulumi sdk/go/common/workspace/project.go, ProjectStack):
# these sections only; config values are scalars or structured values.
STACK_FILE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "secretsprovider": {"type": "string"},
        "encryptedkey": {"type": "string"},
        "encryptionsalt": {"type": "string"},
        "environment": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]},
        "config": {"type": "object", "propertyNames": {"pattern": "^[^:]+:[^:]+$"}},
    },
}


def declared_type_schema(declaration: dict[str, Any]) -> dict[str, Any]:
    return {"type": declaration["type"]} if declaration["type"] != "array" else {"type": "array"}


def test_stack_files_have_pulumis_shape_and_the_projects_declared_types(tmp_path, monkeypatch) -> None:
    project_schema = json.loads((FIXTURES / "pulumi-project.schema.json").read_text())
    project_doc = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    jsonschema.validate(project_doc, project_schema)  # the one project every shard runs
    project = fleet_project(tmp_path, 4)
    assert shard(project, monkeypatch, "--size", "2") == 0
    for name, document in stack_files(project).items():
        jsonschema.validate(document, STACK_FILE_SCHEMA)
        for key, value in document["config"].items():
            declaration = project_doc["config"].get(key.split(":", 1)[1]) if key.startswith("arc-onboarding:") else None
            if declaration is not None:
                jsonschema.validate(value, declared_type_schema(declaration))
        assert len(name) <= 42


def test_bad_stack_files_fail_the_shape_check() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"config": {"registerProviders": False}}, STACK_FILE_SCHEMA)  # no namespace
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"configs": {}}, STACK_FILE_SCHEMA)


def test_operator_stacks_validate_against_the_crd_and_wait_for_the_groups_stack(tmp_path, monkeypatch) -> None:
    schema = kubernetes_to_jsonschema(stack_crd_schema())
    validator = StackValidator(schema)
    project = fleet_project(tmp_path, 5)
    assert shard(project, monkeypatch, "--size", "2", "--org", "stores-org") == 0
    documents = [d for d in yaml.safe_load_all((project / "shards" / "operator-stacks.yaml").read_text()) if d]
    stacks = [d for d in documents if d["kind"] == "Stack"]
    assert [s["metadata"]["name"] for s in stacks] == ["fleet-groups", "fleet-001", "fleet-002", "fleet-003"]
    for stack in stacks:
        assert errors_of(validator, stack) == []
        assert stack["spec"]["stack"] == f"stores-org/{stack['metadata']['name']}"
        assert stack["spec"]["destroyOnFinalize"] is False
        if stack["metadata"]["name"] != "fleet-groups":
            assert stack["spec"]["prerequisites"] == [{"name": "fleet-groups"}]
    broken = json.loads(json.dumps(stacks[1]))
    broken["metadata"]["name"] = "x" * 43
    assert errors_of(validator, broken)
    assert {d["kind"] for d in documents} == {"ServiceAccount", "ClusterRoleBinding", "Stack"}


def test_the_workflow_runs_every_shard_with_deploys_credential_rules(tmp_path, monkeypatch) -> None:
    project = fleet_project(tmp_path, 5)
    assert shard(project, monkeypatch, "--size", "2") == 0
    path = project / "shards" / "shards.yml"
    text = path.read_text()
    result = actionlint(str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    wf = yaml.safe_load(text)
    assert wf["permissions"] == {"contents": "read"} and "env" not in wf
    assert set(triggers(wf)) == {"pull_request", "push"}
    jobs = wf["jobs"]
    offline, groups, shards = jobs["offline-plan"], jobs["groups"], jobs["shards"]
    assert offline["if"] == "github.event_name == 'pull_request'"
    assert "environment" not in offline and "permissions" not in offline and "secrets." not in json.dumps(offline)
    assert "components.plan --shards shards" in steps(offline)[-1]["run"]
    assert shards["needs"] == "groups"
    assert shards["strategy"]["matrix"]["shard"] == ["fleet-001", "fleet-002", "fleet-003"]
    for job in (groups, shards):
        assert job["if"] == "github.event_name == 'push'"
        assert job["environment"] == "fleet"
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert job["concurrency"]["cancel-in-progress"] is False
        assert job["env"]["ARM_USE_OIDC"] == "true"
        for variable in ("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"):
            assert EXPRESSION.match(job["env"][variable])
        (up,) = [s for s in steps(job) if "pulumi up" in s.get("run", "")]
        assert up["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"
        assert '--config-file "shards/Pulumi.$STACK.yaml"' in up["run"]
    for pattern in LITERAL_SECRETS:
        assert not pattern.search(text)
    for ref in re.findall(r"uses:\s*(.+)$", text, re.M):
        assert PINNED_ACTION.match(ref), ref
    audit = zizmor(str(path))
    assert audit.returncode == 0 and "No findings to report" in audit.stdout + audit.stderr, audit.stdout


def test_a_bad_inventory_stops_the_sharder_with_the_programs_errors(tmp_path, monkeypatch, capsys) -> None:
    project = fleet_project(tmp_path, 2)
    (project / "stores.yaml").write_text("- {clusterName: -bad-, kubeContext: store-000}\n")
    (project / "Pulumi.fleet.yaml").write_text(
        yaml.safe_dump(
            {
                "config": {
                    "arc-onboarding:location": "westeurope",
                    "arc-onboarding:resourceGroup": "rg",
                    "arc-onboarding:inventory": "stores.yaml",
                }
            }
        )
    )
    assert shard(project, monkeypatch, "--size", "2") == 2
    err = capsys.readouterr().err
    assert err.startswith("arc-onboarding:inventory(stores.yaml)[0].clusterName: must be")
    assert not (project / "shards").exists()


def test_shards_of_an_inventory_keep_the_map_beside_it(tmp_path, monkeypatch) -> None:
    project = fleet_project(tmp_path, 1)
    (project / "inventory").mkdir()
    items = [
        {"clusterName": f"store-{i:03d}", "kubeContext": "store-000" if i == 0 else f"store-{i:03d}"} for i in range(1)
    ]
    (project / "inventory" / "stores.yaml").write_text(yaml.safe_dump(items))
    (project / "Pulumi.fleet.yaml").write_text(
        yaml.safe_dump(
            {
                "config": {
                    "arc-onboarding:location": "westeurope",
                    "arc-onboarding:resourceGroup": "rg",
                    "arc-onboarding:kubeconfig": "kubeconfig.yaml",
                    "arc-onboarding:inventory": "inventory/stores.yaml",
                }
            }
        )
    )
    assert shard(project, monkeypatch, "--size", "5") == 0
    assert (project / "inventory" / "stores.shards.yaml").is_file()
    (only,) = [d for n, d in stack_files(project).items() if n != "fleet-groups"]
    assert only["config"]["arc-onboarding:clusters"] == items
    assert "arc-onboarding:inventory" not in only["config"]


# ---------------------------------------------------------------------------------------------
# The plan of the shards


def test_plan_shards_reports_each_shard_in_its_own_process(tmp_path, monkeypatch) -> None:
    project = fleet_project(tmp_path, 3)
    assert shard(project, monkeypatch, "--size", "2") == 0
    broken = project / "shards" / "Pulumi.fleet-broken.yaml"
    broken.write_text("config:\n  arc-onboarding:location: westeurope\n  arc-onboarding:groups: [bad/name]\n")
    # As the generated workflow runs a shard: $KUBECONFIG is the fleet's kubeconfig.
    env = {**os.environ, "KUBECONFIG": str(project / "kubeconfig.yaml")}
    done = subprocess.run(
        [sys.executable, "-m", "components.plan", "--shards", "shards", "--json", "--jobs", "2"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2, done.stderr
    document = json.loads(done.stdout)
    by_stack = {s["stack"]: s for s in document["shards"]}
    assert set(by_stack) == {"fleet-groups", "fleet-001", "fleet-002", "fleet-broken"}
    assert [by_stack[s]["clusters"] for s in ("fleet-001", "fleet-002", "fleet-groups")] == [2, 1, 0]
    assert by_stack["fleet-broken"]["code"] == 2
    assert by_stack["fleet-broken"]["problems"][0].startswith("arc-onboarding:groups[0]: must be")
    pids = {s["stack"]: s["peak_mb"] for s in document["shards"]}
    assert all(0 < mb < 1000 for mb in pids.values())
    assert document["clusters"] == 3
