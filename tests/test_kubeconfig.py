"""Minifying a kubeconfig: libyaml's emitter and the indexed lookup give the text the pure emitter
and a scan from the top gave, byte for byte (the text is the kubernetes provider's input in state)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from components.settings import ConfigError, kube, load, minify_kubeconfig
from tests.conftest import BASE_CONFIG, FIXTURES, ROOT, engine_config

KUBECONFIGS = [FIXTURES / "kubeconfig", FIXTURES / "kubeconfig-edge"]
needs_libyaml = pytest.mark.skipif(kube._C_DUMPER is None, reason="this PyYAML has no libyaml (CSafeDumper)")


def scan_minify(document: Mapping[str, Any], context: str) -> str | None:
    """The oracle: minify as it was written before the index and libyaml, one scan per lookup."""

    def named(section: str, name: Any) -> Any:
        entries = [e for e in document.get(section) or [] if isinstance(e, dict) and e.get("name") == name]
        return entries[0] if entries else None

    entry = named("contexts", context)
    spec = entry.get("context") if entry else None
    if not isinstance(spec, dict):
        return None
    cluster, user = named("clusters", spec.get("cluster")), named("users", spec.get("user"))
    if cluster is None or (spec.get("user") is not None and user is None):
        return None
    minimal = {
        "apiVersion": document.get("apiVersion", "v1"),
        "kind": "Config",
        "current-context": context,
        "contexts": [entry],
        "clusters": [cluster],
        "users": [user] if user is not None else [],
    }
    return yaml.safe_dump(minimal, sort_keys=True, default_flow_style=False)


def fixture_contexts() -> list[tuple[Path, str]]:
    return [(path, c["name"]) for path in KUBECONFIGS for c in yaml.safe_load(path.read_text())["contexts"]]


@needs_libyaml
@pytest.mark.parametrize(("path", "context"), fixture_contexts(), ids=lambda v: getattr(v, "name", v))
def test_minify_of_the_fixtures_is_byte_identical_with_the_c_and_the_pure_dumper(
    path: Path, context: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = yaml.safe_load(path.read_text())
    with_libyaml = minify_kubeconfig(document, context)
    assert with_libyaml is not None
    # The fixtures really take the C path: otherwise this compares the pure dumper with itself.
    assert kube._dumper_for(yaml.safe_load(with_libyaml)) is yaml.CSafeDumper
    monkeypatch.setattr(kube, "_C_DUMPER", None)
    assert minify_kubeconfig(document, context) == with_libyaml == scan_minify(document, context)


# Values the two emitters write differently (they fold and escape such strings differently).
EMITTERS_DISAGREE = [
    {"token": "ü" * 40},
    {"token": "tab\there " * 10},
    {"token": "x\x07" * 40},
    {"": "an empty key"},
    {"\r": "a control character in a key"},
]


@needs_libyaml
@pytest.mark.parametrize("user", EMITTERS_DISAGREE, ids=repr)
def test_what_libyaml_writes_differently_goes_to_the_pure_dumper(user: dict[str, str]) -> None:
    document = {
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "clusters": [{"name": "c", "cluster": {"server": "https://10.0.0.1:6443"}}],
        "users": [{"name": "u", "user": user}],
    }
    minimal = yaml.safe_load(scan_minify(document, "c") or "")
    pure = yaml.dump(minimal, Dumper=yaml.SafeDumper, sort_keys=True, default_flow_style=False)
    assert yaml.dump(minimal, Dumper=yaml.CSafeDumper, sort_keys=True, default_flow_style=False) != pure
    assert minify_kubeconfig(document, "c") == pure


def test_a_self_referencing_alias_is_minified_without_recursing_forever() -> None:
    document = yaml.safe_load(
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
        "clusters: [{name: k, cluster: {server: https://10.0.0.1:6443}}]\n"
        "users: [{name: u, user: &u {token: t, self: *u}}]\n"
    )
    assert minify_kubeconfig(document, "c") == scan_minify(document, "c")


# Printable ASCII, and the scalars and shapes YAML gives special meaning.
ASCII = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=200)
TRICKY = st.sampled_from(
    [
        "",
        "~",
        "null",
        "yes",
        "No",
        "0x1f",
        "1e3",
        "- a",
        "a: b",
        "#x",
        "'",
        '"',
        " a",
        "a ",
        "---",
        "&a",
        "*a",
        "|",
        ">",
        "?",
    ]
)
PLAIN_SCALARS = st.one_of(
    ASCII, TRICKY, st.text(alphabet=" a'\":#-", max_size=300), st.integers(), st.booleans(), st.none(), st.floats()
)
PLAIN_TREES = st.recursive(
    PLAIN_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ASCII.filter(bool), inner, max_size=4),
    max_leaves=12,
)


@needs_libyaml
@given(st.dictionaries(ASCII.filter(bool), PLAIN_TREES, max_size=5))
def test_the_c_dumper_writes_what_the_guard_lets_through_as_the_pure_one_does(tree: dict[str, Any]) -> None:
    assert kube._dumper_for(tree) is yaml.CSafeDumper
    pure = yaml.dump(tree, Dumper=yaml.SafeDumper, sort_keys=True, default_flow_style=False)
    assert yaml.dump(tree, Dumper=yaml.CSafeDumper, sort_keys=True, default_flow_style=False) == pure


# Few names, so that kubeconfigs repeat and miss them; any text, so that both dumpers are used.
NAMES = st.sampled_from(["a", "b", "edge-1", "ü", 1])
VALUES = st.one_of(st.text(max_size=120), ASCII, st.integers(), st.booleans(), st.none())


def entries(body: str, fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    entry = st.fixed_dictionaries({"name": NAMES, body: fields})
    return st.one_of(st.lists(entry, max_size=5), st.none(), st.just("not a list"), st.just({"name": "a"}))


KUBECONFIG_DOCUMENTS = st.fixed_dictionaries(
    {
        "contexts": entries(
            "context", st.fixed_dictionaries({"cluster": NAMES}, optional={"user": NAMES, "namespace": VALUES})
        ),
        "clusters": entries(
            "cluster", st.dictionaries(st.sampled_from(["server", "certificate-authority-data"]), VALUES)
        ),
        "users": entries("user", st.dictionaries(st.sampled_from(["token", "client-key-data"]), VALUES)),
    },
    optional={"apiVersion": VALUES},
)


@given(KUBECONFIG_DOCUMENTS, st.sampled_from(["a", "b", "edge-1", "ü", "missing"]))
def test_minify_gives_what_a_scan_and_the_pure_dumper_gave(document: dict[str, Any], context: str) -> None:
    expected = scan_minify(document, context)
    assert minify_kubeconfig(document, context) == expected
    assert minify_kubeconfig(document, context, kube._index_kubeconfig(document)) == expected


def test_of_a_repeated_name_the_first_entry_is_used() -> None:
    document = {
        "contexts": [
            {"name": "c", "context": {"cluster": "k", "user": "u"}},
            {"name": "c", "context": {"cluster": "x"}},
        ],
        "clusters": [
            {"name": "k", "cluster": {"server": "https://first:6443"}},
            {"name": "k", "cluster": {"server": "https://second:6443"}},
        ],
        "users": [{"name": "u", "user": {"token": "first"}}, {"name": "u", "user": {"token": "second"}}],
    }
    minified = yaml.safe_load(minify_kubeconfig(document, "c") or "")
    assert minified["clusters"][0]["cluster"]["server"] == "https://first:6443"
    assert minified["users"][0]["user"]["token"] == "first"


class CountingList(list):  # type: ignore[type-arg]
    """A kubeconfig section that counts how often it is walked."""

    walks = 0

    def __iter__(self) -> Iterator[Any]:
        CountingList.walks += 1
        return super().__iter__()


def test_a_fleet_kubeconfig_is_walked_once_not_once_per_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = 30
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "edge-0",
        "clusters": [{"name": f"edge-{i}", "cluster": {"server": f"https://10.0.{i}.1:6443"}} for i in range(size)],
        "contexts": [{"name": f"edge-{i}", "context": {"cluster": f"edge-{i}", "user": "fleet"}} for i in range(size)],
        "users": [{"name": "fleet", "user": {"token": "fleet-token"}}],
    }))  # fmt: skip
    real_load = yaml.load

    def counted(stream: Any, Loader: Any) -> Any:
        document = real_load(stream, Loader=Loader)
        if isinstance(document, dict) and "contexts" in document:
            for section in ("contexts", "clusters", "users"):
                document[section] = CountingList(document[section])
        return document

    monkeypatch.setattr(yaml, "load", counted)  # the module kube reads with
    monkeypatch.setattr(CountingList, "walks", 0)
    kube._read_kubeconfig.cache_clear()
    config = {
        "location": "eastus",
        "kubeconfig": str(path),
        "clusters": [
            {"clusterName": f"edge-{i}", "resourceGroup": "rg", "kubeContext": f"edge-{i}"} for i in range(size)
        ],
    }
    settings = load(engine_config(config), [], ROOT, {"HOME": "/nonexistent"}, today=datetime.date(2026, 11, 25))
    kube._read_kubeconfig.cache_clear()
    assert [c.kube.context for c in settings.clusters] == [f"edge-{i}" for i in range(size)]
    assert CountingList.walks == 3  # one index of each section, for thirty clusters


def test_a_section_that_is_not_a_list_is_a_config_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "contexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters: 5\nusers: []\ncurrent-context: c\n"
    )
    with pytest.raises(ConfigError) as raised:
        load(engine_config({**BASE_CONFIG, "kubeconfig": str(path), "kubeContext": "c"}), [], ROOT, {"HOME": "/x"})
    (problem,) = raised.value.problems
    assert problem.startswith("arc-onboarding:kubeContext: context 'c' in ")
    assert "names a cluster or user the file does not define" in problem


def test_the_yaml_loader_constructs_no_python_objects() -> None:
    """Kubeconfigs and stack files are read with `yaml.load(..., Loader=YAML_LOADER)` (ruff's S506
    is silenced there): the loader must stay a safe one."""
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.load("!!python/object/apply:os.getpid []", Loader=kube.YAML_LOADER)  # noqa: S506
