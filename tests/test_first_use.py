"""Issue 20, round three, "what a new user hits": one regression test (or more) per finding,
named after it (`test_r3_finding_NN_*`)."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.plan.cli import main as plan_main
from components.settings import ConfigError, StackSettings, load
from tests.conftest import BASE_CONFIG, KUBECONFIG, ROOT, engine_config

ENV = {"KUBECONFIG": str(KUBECONFIG), "HOME": "/nonexistent-home"}


def settings(overrides: dict[str, Any], secret: tuple[str, ...] = ()) -> StackSettings:
    base = {k: v for k, v in BASE_CONFIG.items() if not ("clusters" in overrides and k == "clusterName")}
    return load(
        engine_config({**base, **overrides}),
        [f"arc-onboarding:{k}" for k in secret],
        ROOT,
        ENV,
        today=datetime.date(2026, 11, 25),
    )


def problems(overrides: dict[str, Any], secret: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        settings(overrides, secret)
    return raised.value.problems


# --- finding 10: a proxy without its URL ----------------------------------------------------------


def test_r3_finding_10_no_proxy_without_a_proxy_url_is_an_error() -> None:
    found = problems({"proxy": {"noProxy": [".svc", "10.43.0.0/16"]}})
    assert len(found) == 1 and found[0].startswith("arc-onboarding:proxy.noProxy: is set but proxy.httpsProxy")
    assert "set-secrets.sh" in found[0]
    # In a fleet item, the item is named.
    fleet = {"clusters": [{"clusterName": "a"}, {"clusterName": "b", "proxy": {"noProxy": [".svc"]}}]}
    assert [p.split(": ")[0] for p in problems(fleet)] == ["arc-onboarding:clusters[1].proxy.noProxy"]
    # With a URL, or a CA alone, it stays valid.
    settings({"proxy": {"httpsProxy": "http://proxy.corp:3128", "noProxy": [".svc"]}})
    settings({"proxy": {"httpProxy": "http://proxy.corp:3128", "noProxy": [".svc"]}})


def _fleet_with_secrets(project: Path, names: list[str]) -> None:
    """The fleet `fleet` of test_shard with a secret proxy URL and one item's secret key."""
    from tests.test_shard import write_fleet

    extra = {"arc-onboarding:proxy": {"httpsProxy": {"secure": "v1:source-proxy"}, "noProxy": [".svc", "10.0.0.0/8"]}}
    write_fleet(project, names, 1, extra)
    document = yaml.safe_load((project / "Pulumi.fleet.yaml").read_text())
    for item in document["config"]["arc-onboarding:clusters"]:
        if item["clusterName"] == "store-001":
            item["agents"] = {"privateKey": {"secure": "v1:source-key"}}
    document["encryptionsalt"] = "v1:source-salt"
    (project / "Pulumi.fleet.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def test_r3_finding_10_a_shards_secrets_are_kept_and_a_shard_without_them_does_not_plan(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from tests.test_shard import fleet_project, plan_document, shard, stack_files

    project = fleet_project(tmp_path, 6, groups=1)
    _fleet_with_secrets(project, [f"store-{i:03d}" for i in range(4)])
    assert shard(project, monkeypatch, "--size", "2") == 0
    # set-secrets.sh ran for fleet-001: its file now holds ciphertext of its own stack.
    path = project / "shards" / "Pulumi.fleet-001.yaml"
    document = yaml.safe_load(path.read_text())
    document["config"]["arc-onboarding:proxy"]["httpsProxy"] = {"secure": "v1:shard-proxy"}
    document["config"]["arc-onboarding:clusters"][1]["agents"] = {"privateKey": {"secure": "v1:shard-key"}}
    document = {"encryptionsalt": "v1:shard-salt", **document}
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    capsys.readouterr()
    # A shard whose secret is not set yet keeps its slot, empty: the plan shows a secret proxy URL
    # and says it is not set (`pulumi up` refuses the empty value: "validating stack config: bad value").
    waiting = yaml.safe_load((project / "shards" / "Pulumi.fleet-002.yaml").read_text())
    assert waiting["config"]["arc-onboarding:proxy"]["httpsProxy"] == {"secure": ""}
    code = plan_main(["--config-file", str(project / "shards" / "Pulumi.fleet-002.yaml"), "--json"])
    err = capsys.readouterr().err
    assert code == 0 and "warning: arc-onboarding:proxy: holds a secure value not set yet" in err
    assert "run set-secrets.sh for this stack" in err
    # Without the slot (a hand-edited file), the proxy without its URL is an error.
    del waiting["config"]["arc-onboarding:proxy"]["httpsProxy"]
    (project / "shards" / "Pulumi.fleet-002.yaml").write_text(yaml.safe_dump(waiting))
    code = plan_main(["--config-file", str(project / "shards" / "Pulumi.fleet-002.yaml"), "--json"])
    assert code == 2 and "arc-onboarding:proxy.noProxy: is set but proxy.httpsProxy" in capsys.readouterr().err

    # store-000 leaves (store-001 moves to position 0 of fleet-001), two stores come.
    _fleet_with_secrets(project, [f"store-{i:03d}" for i in range(1, 6)])
    assert shard(project, monkeypatch, "--size", "2") == 0
    files = stack_files(project)
    kept = files["fleet-001"]
    assert kept["encryptionsalt"] == "v1:shard-salt"
    assert kept["config"]["arc-onboarding:proxy"]["httpsProxy"] == {"secure": "v1:shard-proxy"}
    items = kept["config"]["arc-onboarding:clusters"]
    assert items[0]["clusterName"] == "store-001" and items[0]["agents"]["privateKey"] == {"secure": "v1:shard-key"}
    assert "v1:source" not in "".join(p.read_text() for p in (project / "shards").iterdir())
    # set-secrets.sh sets only what a stack lacks: nothing for fleet-001.
    script = (project / "shards" / "set-secrets.sh").read_text()
    assert "fleet-001" not in script and "fleet-002" in script and "fleet-003" in script
    resources = plan_document(project, "fleet-001", capsys)["resources"]
    values = next(r for r in resources if r["type"] == "kubernetes:helm.sh/v3:Release")["inputs"]["values"]
    assert values["global"]["httpsProxy"] == "[secret]"


# --- finding 11: a shard runs with the KUBECONFIG that CI writes ---------------------------------


def test_r3_finding_11_shards_use_the_kubeconfig_ci_writes(tmp_path: Path, monkeypatch, capsys) -> None:
    from tests.test_shard import fleet_project, shard, stack_files

    project = fleet_project(tmp_path, 3)
    assert shard(project, monkeypatch, "--size", "2") == 0
    out = capsys.readouterr().out
    # The source's path would override $KUBECONFIG, which the workflow writes from the fleet's secret.
    assert all("arc-onboarding:kubeconfig" not in d["config"] for d in stack_files(project).values())
    assert 'KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"' in (project / "shards" / "shards.yml").read_text()
    assert "not copied: `arc-onboarding:kubeconfig: kubeconfig.yaml`" in out and "FLEET_KUBECONFIG" in out
    # An item's own kubeconfig file cannot be what CI has: refused, with the way out.
    document = yaml.safe_load((project / "Pulumi.fleet.yaml").read_text())
    document["config"]["arc-onboarding:clusters"][2]["kubeconfig"] = "kubeconfig.yaml"
    (project / "Pulumi.fleet.yaml").write_text(yaml.safe_dump(document))
    assert shard(project, monkeypatch, "--size", "2") == 2
    (error,) = capsys.readouterr().err.splitlines()
    assert error.startswith("error: clusters[2].kubeconfig: a shard runs with one kubeconfig, $KUBECONFIG")
    assert "kubectl config view --flatten" in error


# --- finding 13: fleet errors name the cluster ----------------------------------------------------


def test_r3_finding_13_an_items_error_names_the_item_and_the_key() -> None:
    items = [{"clusterName": "store-16"}, {"clusterName": "store-17", "kubeContext": "kind-other"}]
    items[1]["distribution"] = "eks"
    fleet = {"clusters": items, "resourceGroup": "rg-a", "location": "westeurope"}
    (found,) = problems({**fleet, "oidcIssuer": {"enabled": True}})
    assert found.startswith(
        "arc-onboarding:clusters[1] (store-17).oidcIssuer.selfHostedIssuerUrl: is required with distribution eks"
    )
    # A bad default shared by every item stays one line at its own key.
    found_all = problems({**fleet, "distribution": "eks", "proxy": {"httpsProxy": "ftp://p:21"}})
    assert "arc-onboarding:proxy.httpsProxy: must start with http:// or https://" in found_all
    assert not [p for p in found_all if "(store-16).proxy" in p or "(store-17).proxy" in p]


def test_r3_finding_13_a_duplicate_is_reported_with_the_rows_other_error() -> None:
    items = [{"clusterName": "store-01"}, {"clusterName": "STORE-01", "proxy": {"noProxy": ["bad label!"]}}]
    found = problems({"clusters": items, "resourceGroup": "rg-a", "location": "westeurope"})
    assert any(p.startswith("arc-onboarding:clusters[1].proxy.noProxy[0]: ") for p in found)
    assert "arc-onboarding:clusters[1].clusterName: 'STORE-01' is already in group 'rg-a' (clusters[0])" in "\n".join(
        found
    )


# --- finding 16: generated files people commit ------------------------------------------------------


def test_r3_finding_16_adding_stores_rewrites_only_the_shards_they_join(tmp_path: Path, monkeypatch) -> None:
    from tests.test_shard import fleet_project, shard, write_fleet

    project = fleet_project(tmp_path, 8, groups=1)
    write_fleet(project, [f"store-{i:03d}" for i in range(4)], 1)
    assert shard(project, monkeypatch, "--size", "2") == 0
    before = {p.name: p.read_text() for p in (project / "shards").glob("Pulumi.fleet-0*.yaml")}
    write_fleet(project, [f"store-{i:03d}" for i in range(8)], 1)
    assert shard(project, monkeypatch, "--size", "2") == 0
    after = {p.name: p.read_text() for p in (project / "shards").glob("Pulumi.fleet-0*.yaml")}
    assert set(after) - set(before) == {"Pulumi.fleet-003.yaml", "Pulumi.fleet-004.yaml"}
    assert {name: after[name] for name in before} == before


def test_r3_finding_16_operator_stacks_use_the_org_and_new_stacks_are_initialised(tmp_path: Path, monkeypatch) -> None:
    from tests.test_shard import fleet_project, shard, write_fleet

    extra = {"arc-onboarding:proxy": {"httpsProxy": {"secure": "v1:x"}, "noProxy": [".svc"]}}
    project = fleet_project(tmp_path, 4, groups=1)
    write_fleet(project, [f"store-{i:03d}" for i in range(2)], 1, extra)
    assert shard(project, monkeypatch, "--size", "2", "--org", "acme") == 0
    stacks = [d for d in yaml.safe_load_all((project / "shards" / "operator-stacks.yaml").read_text()) if d]
    repos = {d["spec"]["projectRepo"] for d in stacks if d["kind"] == "Stack"}
    assert repos == {"https://github.com/acme/arc-onboarding.git"}
    script = (project / "shards" / "set-secrets.sh").read_text()
    init = 'pulumi stack init --no-select "$PULUMI_ORG"/fleet-001'
    assert init in script and script.index(init) < script.index("| pulumi config set")
    # Regenerated with two more stores: only the new shard is initialised.
    write_fleet(project, [f"store-{i:03d}" for i in range(4)], 1, extra)
    assert shard(project, monkeypatch, "--size", "2", "--org", "acme", "--repo", "git@example.com:x.git") == 0
    script = (project / "shards" / "set-secrets.sh").read_text()
    assert (
        'init --no-select "$PULUMI_ORG"/fleet-002' in script
        and 'init --no-select "$PULUMI_ORG"/fleet-001' not in script
    )
    stacks = [d for d in yaml.safe_load_all((project / "shards" / "operator-stacks.yaml").read_text()) if d]
    assert {d["spec"]["projectRepo"] for d in stacks if d["kind"] == "Stack"} == {"git@example.com:x.git"}


def test_r3_finding_16_a_long_group_name_makes_a_short_shard_name() -> None:
    from components.shard.assign import shard_name

    group = "arc-stores-westeurope-production-retail-" + "x" * 50
    name = shard_name("stores", group, 1)
    assert len(name) <= len("stores-") + 20 + len("-001") and name != shard_name("stores", group + "y", 1)


# --- finding 12: spreadsheets as people export them ----------------------------------------------------


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_r3_finding_12_a_spreadsheet_export_reads_as_written(tmp_path: Path, separator: str) -> None:
    rows = [
        ["clusterName", "kubeContext", "tags.store", "tags.cost.centre", "#notes", "verify"],
        ["store-1", "kind-arc-dev", "0101", "cc-1", "opened 2019; ask Ann", "false"],
        ["store-2", "kind-other", "", "cc-2", "", ""],
        ["", "", "", "", "", ""],
        ["", "", "", "", "", ""],
    ]
    text = "\ufeff" + "".join(separator.join(f'"{c}"' if ";" in c else c for c in row) + "\r\n" for row in rows)
    (tmp_path / "stores.csv").write_text(text, encoding="utf-8")
    config = {"location": "westeurope", "resourceGroup": "rg-a", "inventory": "stores.csv", "tags": {"fleet": "eu"}}
    stack = load(engine_config(config), [], tmp_path, ENV, today=datetime.date(2026, 11, 25))
    first, second = stack.clusters
    assert (first.cluster_name, first.verify, second.cluster_name) == ("store-1", False, "store-2")
    # Per-store tags merge over the top-level ones, as a YAML item's map would.
    assert first.tags == {"fleet": "eu", "store": "0101", "cost.centre": "cc-1"}
    assert second.tags == {"fleet": "eu", "cost.centre": "cc-2"}


# --- finding 14: suggestions that mislead --------------------------------------------------------------

POLICY_ENFORCED = {"enabled": True, "assignments": [{"name": "a", "definition": "x", "enforcement": "Enforced"}]}


@pytest.mark.parametrize(
    ("overrides", "key", "expected"),
    [
        ({"policy": POLICY_ENFORCED}, "policy.assignments[0].enforcement", "(did you mean `Default`?)"),
        ({"chartVersion": "1.2.3"}, "chartVersion", "(did you mean `agents.chartVersion`?"),
        ({"gatewayResourceId": "x"}, "gatewayResourceId", "(did you mean `gateway.resourceId`?"),
        ({"caCertFile": "ca.pem"}, "caCertFile", "(did you mean `proxy.caCertFile`?"),
        ({"location": "europe-west"}, "location", "(did you mean 'westeurope'?)"),
        ({"kubeContext": "store-0101"}, "kubeContext", "; its contexts: 'kind-arc-dev', 'kind-other'"),
        ({"proxy": {"httpsProxy": "http://u:p#ss@proxy.corp:3128"}}, "proxy.httpsProxy", "URL-encode it as %23"),
        ({"clusterName": "store-1 "}, "clusterName", "(it holds a space at its start or end: retype it)"),
        ({"resourceGroup": "rg\u00a0a"}, "resourceGroup", "(it holds U+00A0 (no-break space): retype it)"),
        (
            {"features": {"customLocationsOid": "{4b0c7a9e-1b6f-4c2f-8a47-0c3d5b9e2f11}"}},
            "features.customLocationsOid",
            "(remove the braces around the GUID",
        ),
    ],
    ids=["enforced", "chart-version", "gateway-id", "ca-file", "europe-west", "context", "hash", "space", "nbsp",
         "braces"],
)  # fmt: skip
def test_r3_finding_14_suggestions_point_at_the_fix(overrides: dict[str, Any], key: str, expected: str) -> None:
    found = [p for p in problems(overrides) if p.startswith(f"arc-onboarding:{key}: ")]
    assert len(found) == 1 and expected in found[0], found


def test_r3_finding_14_an_at_sign_in_a_proxy_password_is_a_warning_to_encode() -> None:
    # Go's net/url (url.go, parseAuthority) takes the last '@', so the agents would cope: a warning.
    warnings = settings({"proxy": {"httpsProxy": "http://u:p@ss@proxy.corp:3128"}}, ("proxy",)).warnings
    assert [w for w in warnings if "%40" in w] == [
        "arc-onboarding:proxy.httpsProxy: has an '@' in its user name or password: URL-encode it as %40 (e.g. "
        "`python3 -c 'import urllib.parse,getpass; print(urllib.parse.quote(getpass.getpass(), safe=\"\"))'`)"
    ]


@pytest.mark.parametrize(
    ("inventory", "expected"),
    [
        ('["a.csv", "b.csv"]', "takes one file path, not a list"),
        ("stores.xlsx", "a spreadsheet workbook is not read: save the sheet as CSV"),
    ],
)
def test_r3_finding_14_an_inventory_list_or_workbook_says_what_to_do(tmp_path: Path, inventory: str, expected: str):
    (tmp_path / "stores.xlsx").write_bytes(b"PK\x03\x04workbook")
    config = {"location": "westeurope", "resourceGroup": "rg-a", "inventory": inventory}
    with pytest.raises(ConfigError) as raised:
        load(engine_config(config), [], tmp_path, ENV)
    (problem,) = raised.value.problems
    assert problem.startswith("arc-onboarding:inventory: ") and expected in problem


# --- finding 15: big stacks ---------------------------------------------------------------------------


def test_r3_finding_15_a_fleets_endpoint_list_is_printed_once_and_sharding_suggested(plan, monkeypatch) -> None:
    from components.plan import cli
    from tests.test_fleet import ITEMS, fleet

    monkeypatch.setattr(cli, "SHARD_HINT_CLUSTERS", 2)
    items = [ITEMS[0], {k: v for k, v in ITEMS[1].items() if k != "agents"}, ITEMS[2]]
    result = plan(fleet(items))
    assert result.code == 0, result.stderr
    headers = [line for line in result.stdout.splitlines() if line.startswith("required endpoints for ")]
    # c1 and c2 (westeurope, same settings) share one list; c3 (northeurope) has its own.
    assert len(headers) == 2 and headers[0].startswith("required endpoints for rg-a/c1, rg-a/c2 ("), headers
    assert "hint: 3 clusters in one stack" in result.stderr and "components.shard --stack" in result.stderr


def test_r3_finding_15_plan_shards_carries_warnings_and_shows_progress(tmp_path: Path, monkeypatch) -> None:
    import json
    import subprocess
    import sys

    from tests.test_shard import fleet_project, shard

    proxy = {"arc-onboarding:proxy": {"httpsProxy": "http://proxy.corp:3128", "noProxy": [".svc"]}}
    project = fleet_project(tmp_path, 3, extra=proxy)
    assert shard(project, monkeypatch, "--size", "2") == 0
    # Progress goes to a terminal only: the function is called with stderr as its stream here.
    code = (
        "import json, sys; from pathlib import Path; from components.plan.shards import plan_shards, shards_document;"
        "plans = plan_shards(Path('shards'), Path('.'), 2, sys.stderr);"
        "print(json.dumps(shards_document(plans, 1.0)))"
    )
    env = {**os.environ, "KUBECONFIG": str(project / "kubeconfig.yaml")}
    done = subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    warned = [w for s in document["shards"] for w in s["warnings"]]
    # noProxy lacks the in-cluster entries and a CIDR: each shard warns, as its `pulumi up` would.
    assert any("arc-onboarding:proxy.noProxy: has no CIDR" in w for w in warned), document
    assert done.stderr.splitlines()[-1].startswith("3 of 3: ")


def test_r3_finding_15_a_long_plan_shows_progress_on_a_terminal(monkeypatch) -> None:
    import io
    import time
    from types import SimpleNamespace

    from components.plan import cli

    monkeypatch.setattr(cli, "_PROGRESS_AFTER", 0.01)
    monkeypatch.setattr(cli, "_PROGRESS_EVERY", 0.01)
    stream = io.StringIO()
    monitor = SimpleNamespace(registrations=[object()] * 7)
    with cli._Progress(stream, enabled=True) as progress:
        progress.watch(monitor)  # type: ignore[arg-type]
        time.sleep(0.2)
    assert stream.getvalue().startswith("planning: 7 resources registered (")
    quiet = io.StringIO()
    with cli._Progress(quiet, enabled=False) as progress:
        time.sleep(0.05)
    assert quiet.getvalue() == ""


# --- finding 18: docs that do not run (and the messages they quote) ---------------------------------


def test_r3_finding_18_a_duplicate_key_after_a_mapping_names_the_duplicate(plan) -> None:
    raw = (
        "config:\n  arc-onboarding:clusterName: a\n  arc-onboarding:proxy:\n    httpsProxy: http://p:3128\n"
        "  arc-onboarding:clusterName: b\n"
    )
    result = plan(raw=raw)
    assert result.code == 2
    assert result.stderr.startswith("arc-onboarding:clusterName: Pulumi.test.yaml: duplicate key")


_FENCE = re.compile(r"^([ \t]*)```(?:sh|bash|shell|console)\n(.*?)^\1```", re.M | re.S)
_MARK = re.compile(r"<!-- doc-block: (runs offline|not run \(.+\)) -->")


def doc_blocks() -> list[tuple[str, str, str]]:
    """(page, marker or '', block) for every shell block of the README and docs/."""
    found = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for block in _FENCE.finditer(text):
            before = text[: block.start()].rstrip().rsplit("\n", 1)[-1].strip()
            mark = _MARK.fullmatch(before)
            found.append((page.relative_to(ROOT).as_posix(), mark[1] if mark else "", block[2]))
    return found


def test_r3_finding_18_every_shell_block_of_the_docs_says_whether_it_runs_offline() -> None:
    blocks = doc_blocks()
    assert len(blocks) > 20
    assert [(page, block[:60]) for page, mark, block in blocks if not mark] == []


@pytest.mark.parametrize(
    ("page", "block"),
    [(page, block) for page, mark, block in doc_blocks() if mark == "runs offline"],
    ids=lambda value: value if value.endswith(".md") else "",
)
def test_r3_finding_18_the_offline_shell_blocks_of_the_docs_run(page: str, block: str, tmp_path: Path) -> None:
    # As a newcomer runs them: from the project root, with a kubeconfig (the fixture's) and no cloud.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "KUBECONFIG": str(KUBECONFIG), "NO_COLOR": "1"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{page}:\n{block}\n{done.stderr[-2000:]}"
    assert done.stdout.strip(), block


# --- finding 20: the resource graph ----------------------------------------------------------------------


def dev_graph_output(fmt: str) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": "/nonexistent-home", "KUBECONFIG": str(KUBECONFIG)}
    done = subprocess.run(
        [sys.executable, "-m", "components.plan", "--graph", fmt],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_r3_finding_20_the_graph_boxes_components_and_highlights_the_critical_path() -> None:
    from components.plan.graph import build, to_dot, to_mermaid

    def resource(name: str, parent: str | None = None, deps: tuple[str, ...] = (), provider: str | None = None):
        return {"urn": name, "type": f"x:index:{name.upper()}", "name": name, "parent": parent,
                "dependencies": list(deps), "provider": provider, "read": False}  # fmt: skip

    resources = [
        resource("group"),
        resource("component"),
        resource("key", "component"),
        resource("cluster", "component", ("group", "key")),
        resource("release", "component", ("cluster",)),
        resource("later", None, ("component",)),  # waits for everything in the component
        resource("side", None, ("group",)),
    ]
    graph = build(resources)
    assert set(graph.components) == {"component"} and "component" not in graph.nodes
    assert {("key", "later"), ("cluster", "later"), ("release", "later")} <= set(graph.edges)
    assert graph.critical == ["group", "cluster", "release", "later"]
    dot = to_dot(graph, "t")
    assert "subgraph cluster_" in dot and dot.count("{") == dot.count("}")
    assert sum(1 for line in dot.splitlines() if "->" in line and "penwidth" in line) == 3  # the path's edges
    assert sum(1 for line in dot.splitlines() if "[label=" in line and "penwidth" in line) == 4  # its resources
    mermaid = to_mermaid(graph, "t")
    assert 'subgraph n6["index:COMPONENT component"]' in mermaid and mermaid.count("\n  end") == 1
    assert "  class n0,n2,n3,n4 critical" in mermaid and "linkStyle " in mermaid


def test_r3_finding_20_the_docs_show_the_dev_stacks_graph_as_the_program_draws_it() -> None:
    mermaid = dev_graph_output("mermaid")
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    shown = page.split("<!-- plan-graph:start -->\n```mermaid\n", 1)[1].split("```\n<!-- plan-graph:end -->", 1)[0]
    assert shown == mermaid
    assert "arc-dev-rg/arc-dev-agents" in mermaid and "critical" in mermaid
    assert (ROOT / "docs" / "plan-graph-dev.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert dev_graph_output("dot").startswith("digraph plan {")


def test_r3_finding_16_new_stacks_without_secrets_are_listed_for_stack_init(tmp_path: Path, monkeypatch, capsys):
    from tests.test_shard import fleet_project, shard

    project = fleet_project(tmp_path, 3)
    assert shard(project, monkeypatch, "--size", "2") == 0
    out = capsys.readouterr().out
    assert "new stacks (3): create each once, before CI updates it:" in out
    assert '  pulumi stack init --no-select "$PULUMI_ORG"/fleet-002' in out
    assert shard(project, monkeypatch, "--size", "2") == 0
    assert "new stacks" not in capsys.readouterr().out
