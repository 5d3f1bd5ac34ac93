"""The onboarding model's claims (bench/onboarding_model.py), each checked so that it can fail."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("onboarding_model", ROOT / "bench" / "onboarding_model.py")
assert _spec and _spec.loader
model = importlib.util.module_from_spec(_spec)
sys.modules["onboarding_model"] = model  # dataclasses resolve their annotations through sys.modules
_spec.loader.exec_module(model)


@pytest.fixture(scope="module")
def plan_doc() -> dict[str, Any]:
    document: dict[str, Any] = model.plan_document(2)
    return document


@pytest.fixture(scope="module")
def template(plan_doc: dict[str, Any]) -> Any:
    return model.template_from_plan(plan_doc)


# --- token buckets -----------------------------------------------------------------------------


def test_bucket_serves_its_capacity_at_once_then_at_the_refill_rate() -> None:
    writes = model.TokenBucket(200, 10)
    grants = [writes.take(0.0) for _ in range(210)]
    assert grants[:200] == [0.0] * 200
    assert grants[200] == pytest.approx(0.1)
    assert grants[209] == pytest.approx(1.0)


def test_bucket_refills_to_capacity_and_no_further() -> None:
    reads = model.TokenBucket(250, 25)
    for _ in range(250):
        reads.take(0.0)
    assert reads.take(1000.0) == 1000.0  # long idle: full again
    later = [reads.take(1000.0) for _ in range(249)]
    assert later[-1] == 1000.0
    assert reads.take(1000.0) == pytest.approx(1000.04)  # not 25,000 tokens banked


def test_waiting_callers_reserve_tokens_in_order() -> None:
    reads = model.TokenBucket(250, 25)
    assert [reads.take(0.0) for _ in range(260)][-1] == pytest.approx(10 / 25)
    # a caller arriving at 0.2 s queues behind the ten already waiting
    assert reads.take(0.2) == pytest.approx(11 / 25)


# --- the plan ----------------------------------------------------------------------------------


def test_template_is_the_plans_first_cluster(plan_doc: dict[str, Any], template: Any) -> None:
    per_component = Counter(r["parent"] for r in plan_doc["resources"] if r["parent"])
    components = [r for r in plan_doc["resources"] if r["type"] == "arc-onboarding:index:ArcConnectedCluster"]
    assert template.resources_per_cluster() == per_component[components[0]["urn"]] + 1
    behaviours = Counter(r.behaviour for r in template.cluster)
    assert behaviours == Counter(
        {"component": 1, "local": 3, "k8s": 4, "keygen": 1, "preflight": 1, "arm-put-lro": 1, "helm": 1, "verify": 1,
         "data-plane": 1}  # issue 19 §2: the helm-settings step
    )  # fmt: skip
    assert {r.behaviour for r in template.stack} == {"register"}
    assert {r.key for r in template.group} == {"{group}", "{group}-delete-guard"}
    # the verify script's own interval and deadline
    assert (template.verify_poll_seconds, template.verify_timeout_seconds) == (10.0, 1200.0)
    agents = next(r for r in template.cluster if r.key == "agents")
    assert model.Dep("cluster", "preflight") in agents.deps and model.Dep("cluster", "cluster") in agents.deps


def test_a_resource_without_a_latency_model_is_an_error() -> None:
    with pytest.raises(ValueError, match="no latency model for aws:s3:Bucket"):
        model.behaviour_of({"type": "aws:s3:Bucket", "name": "b", "custom": True, "read": False, "inputs": {}})


def _arm_resources(doc: dict[str, Any]) -> int:
    return sum(r["type"].startswith("azure-native:") and r["custom"] for r in doc["resources"])


def test_calls_per_cluster_match_the_plans_resources(plan_doc: dict[str, Any], template: Any) -> None:
    n, groups = 7, 3
    result = model.simulate(template, model.Scenario(n, groups=groups, throttle=False))
    by = result.calls_by_behaviour
    clusters_in_plan = sum(r["type"] == "arc-onboarding:index:ArcConnectedCluster" for r in plan_doc["resources"])
    groups_in_plan = sum(r["type"] == "azure-native:resources:ResourceGroup" for r in plan_doc["resources"])
    per_cluster = (_arm_resources(plan_doc) - groups_in_plan) / clusters_in_plan
    registrations = sum("az provider register" in str(r["inputs"].get("create", "")) for r in plan_doc["resources"])
    # one PUT per azure-native resource, one POST per registration
    assert by["arm-put-lro"]["write"] == n * per_cluster
    assert by["arm-put"]["write"] == groups
    assert by["register"]["write"] == registrations
    assert result.calls["write"] == n * per_cluster + groups + registrations
    # existence check, at least one LRO poll and the final GET per connected cluster; two reads per verify poll
    assert by["arm-put-lro"]["read"] >= 3 * n
    assert by["verify"]["read"] % 2 == 0 and by["verify"]["read"] >= 2 * n


def test_without_verify_there_is_no_verify_polling() -> None:
    lean = model.template_from_plan(model.plan_document(2, lean=True))
    result = model.simulate(lean, model.Scenario(5, throttle=False))
    assert "verify" not in result.calls_by_behaviour and "preflight" not in {r.behaviour for r in lean.cluster}
    assert result.calls["write"] == 5 + 5 + 2  # clusters, groups (5 < 10), registrations


def test_refresh_reads_every_azure_resource_in_the_state(plan_doc: dict[str, Any], template: Any) -> None:
    result = model.simulate(template, model.Scenario(40, groups=4, rerun=True))
    assert result.calls == {"read": 40 + 4, "write": 0, "delete": 0}


# --- throttling ----------------------------------------------------------------------------------


def _write_bound() -> Any:
    """Clusters that are one synchronous PUT each (a read and a write): the write bucket binds."""
    put = model.Resource("cluster", "put", "azure-native:resources:ResourceGroup", "arm-put", ())
    return model.Template((put,), (), (), 10.0, 1200.0)


def test_one_identity_shares_one_budget_so_shards_past_the_write_bucket_gain_nothing() -> None:
    n, template = 3000, _write_bound()
    walls = {}
    for shards in (1, 10, 30):
        walls[shards] = model.simulate(template, model.Scenario(n, shards=shards, parallel=model.UNBOUNDED)).wall
    floor = (n - 200) / 10  # the burst of 200, then 10 writes a second
    for wall in walls.values():
        assert floor <= wall <= floor * 1.05
    per_shard = model.simulate(template, model.Scenario(n, shards=30, identities="per-shard", parallel=model.UNBOUNDED))
    assert per_shard.wall < walls[30] / 5  # many principals: many buckets, up to the subscription's 15x
    # held for minutes behind one principal's bucket, a real client would have given up
    one = model.simulate(template, model.Scenario(n, shards=30, parallel=model.UNBOUNDED))
    assert one.calls_at_risk > 0 and per_shard.calls_at_risk == 0


def test_the_subscription_bucket_caps_many_identities() -> None:
    n, template = 6000, _write_bound()
    many = model.simulate(template, model.Scenario(n, shards=60, identities="per-shard", parallel=model.UNBOUNDED))
    cap = model.ARM_LIMITS["write"]
    floor = (n - cap.capacity * model.SUBSCRIPTION_FACTOR) / (cap.refill_per_second * model.SUBSCRIPTION_FACTOR)
    assert many.wall >= floor
    assert any("subscription" in k for k in many.bucket_waits)


def test_limiting_factor_flips_from_engine_parallelism_to_arm_as_fleets_grow(template: Any) -> None:
    small = model.simulate(template, model.Scenario(100, shards=2, parallel=32))
    large = model.simulate(template, model.Scenario(3000, shards=60, parallel=32))
    assert model.limiting_factor(template, small)[0] == "engine --parallel"
    factor, gain = model.limiting_factor(template, large)
    assert factor.startswith("ARM reads") and gain > 1.1


def test_a_single_cluster_is_bound_by_its_own_latency(template: Any) -> None:
    result = model.simulate(template, model.Scenario(1, throttle=True))
    assert model.limiting_factor(template, result)[0] == "per-cluster latency"
    helm = model.INPUTS["helm_seconds"].value
    assert result.wall > helm  # the agents' install is on the critical path


def test_sections_are_replaced_whether_empty_or_filled() -> None:
    text = "a\n<!-- model:start -->\n<!-- model:end -->\nb\n"
    once = model.replace_sections(text, {"model": "| 1 |"})
    assert once == "a\n<!-- model:start -->\n| 1 |\n<!-- model:end -->\nb\n"
    assert model.replace_sections(once, {"model": "| 2 |"}) == once.replace("| 1 |", "| 2 |")
    with pytest.raises(SystemExit, match="rerun"):
        model.replace_sections(text, {"rerun": "x"})


def test_a_cluster_not_connected_by_the_deadline_fails_its_verify_step(
    template: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(model.INPUTS, "jitter_sigma", model.assumed(0.0, "none"))
    monkeypatch.setitem(model.INPUTS, "connect_seconds", model.assumed(template.verify_timeout_seconds + 60, "late"))
    late = model.simulate(template, model.Scenario(3, throttle=False))
    assert late.verify_late == 3 and late.verified == [float("inf")] * 3
    monkeypatch.setitem(model.INPUTS, "connect_seconds", model.assumed(template.verify_timeout_seconds - 60, "in time"))
    assert model.simulate(template, model.Scenario(3, throttle=False)).verify_late == 0
