"""Determinism: one config, one plan; names and URNs never depend on dict order, time or randomness."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import KUBECONFIG, ROOT

FLEET_EXAMPLE = ROOT / "Pulumi.fleet-example.yaml"
KEY_DERIVED = "agentPublicKeyCertificate"
# The preflight's HMAC of its settings is keyed with the agent key (components/preflight.py).
DIGEST = "arc-onboarding.azure.com/settings-hmac"


def reversed_mappings(value: Any) -> Any:
    """The same document with every mapping's key order reversed (lists keep their order)."""
    if isinstance(value, dict):
        return {k: reversed_mappings(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_mappings(v) for v in value]
    return value


def key_holder(resource: dict[str, Any]) -> dict[str, Any]:
    """Where the key-derived value sits: the connected cluster's ARM `properties` (generic resource)."""
    properties = resource["inputs"].get("properties")
    return properties if isinstance(properties, dict) else {}


def mask_key_derived(document: dict[str, Any]) -> dict[str, Any]:
    masked = copy.deepcopy(document)
    for resource in masked["resources"]:
        if KEY_DERIVED in key_holder(resource):
            key_holder(resource)[KEY_DERIVED] = "[masked]"
        annotations = resource["inputs"].get("spec", {}).get("template", {}).get("metadata", {}).get("annotations", {})
        if DIGEST in annotations:
            annotations[DIGEST] = "[masked]"
        # The data plane's request is the connected cluster as PUT, key included (issue 19 §2).
        environment = resource["inputs"].get("environment")
        if isinstance(environment, dict) and "ARC_DP_BODY" in environment:
            request = json.loads(environment["ARC_DP_BODY"])
            request["properties"][KEY_DERIVED] = "[masked]"
            environment["ARC_DP_BODY"] = json.dumps(request, sort_keys=True)
    return masked


def plan_in_a_process(stack_file: Path, hash_seed: str, home: Path) -> dict[str, Any]:
    env = {**os.environ, "HOME": str(home), "KUBECONFIG": str(KUBECONFIG), "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-m", "components.plan", "--config-file", str(stack_file), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def test_two_processes_differ_only_in_the_generated_key(tmp_path: Path) -> None:
    first = plan_in_a_process(FLEET_EXAMPLE, "1", tmp_path)
    second = plan_in_a_process(FLEET_EXAMPLE, "4242", tmp_path)
    # Each process generates its own RSA key: the value derived from it differs, nothing else.
    keys = {sum(KEY_DERIVED in key_holder(r) for r in doc["resources"]) for doc in (first, second)}
    assert keys == {3}
    digests = [[json.dumps(r["inputs"]).count(DIGEST) for r in doc["resources"]] for doc in (first, second)]
    assert sum(digests[0]) == sum(digests[1]) == 3
    certificates = [
        [key_holder(r)[KEY_DERIVED] for r in doc["resources"] if KEY_DERIVED in key_holder(r)]
        for doc in (first, second)
    ]
    assert all(a != b for a, b in zip(*certificates, strict=True))
    # One key per size per run, even though the three clusters register it concurrently.
    assert all(len(set(run)) == 1 for run in certificates)
    assert mask_key_derived(first) == mask_key_derived(second)
    assert json.dumps(mask_key_derived(first)) == json.dumps(mask_key_derived(second))  # order too


def test_key_order_of_the_stack_file_does_not_matter(plan, tmp_path: Path) -> None:
    document = yaml.safe_load(FLEET_EXAMPLE.read_text())
    permuted = tmp_path / "Pulumi.fleet-example.yaml"  # same stack name
    permuted.write_text(yaml.safe_dump(reversed_mappings(document), sort_keys=False))
    assert next(iter(yaml.safe_load(permuted.read_text())["config"])) == "arc-onboarding:clusters"
    original = plan(None, "--config-file", str(FLEET_EXAMPLE), "--json")
    reordered = plan(None, "--config-file", str(permuted), "--json")
    assert original.code == reordered.code == 0
    assert original.stdout == reordered.stdout


def test_order_of_fleet_items_changes_no_name_urn_or_input(plan) -> None:
    document = yaml.safe_load(FLEET_EXAMPLE.read_text())
    config = {k.removeprefix("arc-onboarding:"): v for k, v in document["config"].items()}
    backwards = {**config, "clusters": list(reversed(config["clusters"]))}
    original, reordered = plan(config, "--json").document, plan(backwards, "--json").document
    assert original["resources"] == reordered["resources"]
    assert original["outputs"] == reordered["outputs"]


def test_tag_order_does_not_matter(plan) -> None:
    tags = {f"tag{i}": str(i) for i in range(12)}
    config = {
        "clusterName": "arc-test",
        "resourceGroup": "arc-test-rg",
        "location": "eastus",
        "kubeContext": "kind-arc-dev",
    }
    forwards = plan({**config, "tags": tags}, "--json").stdout
    backwards = plan({**reversed_mappings(config), "tags": reversed_mappings(tags)}, "--json").stdout
    assert forwards == backwards
    group = [r for r in json.loads(forwards)["resources"] if r["type"] == "azure-native:resources:ResourceGroup"]
    assert list(group[0]["inputs"]["tags"]) == sorted(tags)
