"""Property tests of the settings parser and the Helm values builder (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from components.agent_values import agent_values
from components.regions import PUBLIC_REGIONS
from components.schema import CLUSTER_FIELDS, SCHEMA, Key, iter_keys
from components.settings import DISTRIBUTIONS, INFRASTRUCTURES, ConfigError, StackSettings, load
from components.settings.raw import _one_line as one_line
from tests.conftest import BASE_CONFIG, KUBECONFIG, ROOT, chart_value_types, engine_config, json_type, leaves

# ARC_HYPOTHESIS_EXPLORE=50 multiplies the example counts for a longer local search.
EXPLORE = int(os.environ.get("ARC_HYPOTHESIS_EXPLORE", "1"))

ENV = {"KUBECONFIG": str(KUBECONFIG), "HOME": "/nonexistent-home"}
TODAY = datetime.date(2026, 11, 25)
PREFIX = "arc-onboarding:"
CA = "tests/fixtures/proxy-ca.pem"
PROXY_KEYS = ("httpProxy", "httpsProxy", "noProxy", "isProxyEnabled", "proxyCert", "isCustomCert")


def parse(config: dict[str, Any], secret: Sequence[str] = ()) -> StackSettings:
    return load(engine_config(config), [f"{PREFIX}{k}" for k in secret], ROOT, ENV, today=TODAY)


# --- valid settings ---------------------------------------------------------------------------

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
HOST = st.lists(LABEL, min_size=1, max_size=3).map(".".join)
PORT = st.integers(1, 65535)
USERINFO = st.tuples(st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True), st.text(min_size=1, max_size=12)).map(
    lambda t: f"{t[0]}:{quote(t[1], safe='')}@"
)
PROXY_URL = st.builds(
    lambda scheme, userinfo, host, port: f"{scheme}://{userinfo}{host}" + (f":{port}" if port else ""),
    st.sampled_from(["http", "https"]),
    st.one_of(st.just(""), USERINFO),
    HOST,
    st.one_of(st.none(), PORT),
)
NO_PROXY_ENTRY = st.one_of(
    HOST,
    HOST.map(lambda h: f".{h}"),
    HOST.map(lambda h: f"*.{h}"),
    st.builds(lambda h, p: f"{h}:{p}", HOST, PORT),
    st.ip_addresses().map(str),
    st.builds(lambda ip, bits: f"{ip}/{bits}", st.ip_addresses(v=4), st.integers(0, 32)),
    st.builds(lambda ip, bits: f"{ip}/{bits}", st.ip_addresses(v=6), st.integers(0, 128)),
    st.just("*"),
)
PROXY_FIELDS = {
    "httpProxy": PROXY_URL,
    "httpsProxy": PROXY_URL,
    "noProxy": st.lists(NO_PROXY_ENTRY, max_size=4),
    "caCertFile": st.just(CA),
}
# Every combination of fields equally likely (optional fields alone come correlated).
# noProxy needs a proxy URL (issue 20 finding 10).
PROXY = (
    st.sets(st.sampled_from(sorted(PROXY_FIELDS)))
    .filter(lambda names: "noProxy" not in names or bool({"httpProxy", "httpsProxy"} & names))
    .flatmap(lambda names: st.fixed_dictionaries({name: PROXY_FIELDS[name] for name in names}))
)
TAG_NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 _.:-]{0,20}", fullmatch=True)
VERSION = st.builds("1.{}.{}".format, st.integers(14, 60), st.integers(0, 20)) | st.just("2.0.0-rc.1")
VALID = st.fixed_dictionaries(
    {
        "clusterName": st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?", fullmatch=True),
        "resourceGroup": st.from_regex(r"[-\w.()]{0,89}[-\w()]", fullmatch=True),
        "location": st.sampled_from(sorted(PUBLIC_REGIONS)),
        "kubeContext": st.sampled_from(["kind-arc-dev", "kind-other"]),
    },
    optional={
        "createResourceGroup": st.booleans(),
        "tags": st.dictionaries(TAG_NAME, st.text(max_size=30), max_size=4),
        "distribution": st.sampled_from(DISTRIBUTIONS),
        "infrastructure": st.sampled_from(INFRASTRUCTURES),
        "agents": st.fixed_dictionaries(
            {},
            optional={
                "chartVersion": VERSION,
                "autoUpgrade": st.booleans(),
                "timeoutSeconds": st.integers(1, 10**6),
                "chart": st.sampled_from(
                    ["oci://registry.example/arc/v2/azure-arc-k8sagents", "oci://myacr.azurecr.io/arc"]
                ),
            },
        ),
        "proxy": PROXY,
    },
)


@pytest.fixture(scope="module")
def chart_values() -> dict[str, str]:
    """The chart's value keys the program sets, with their default's type (tests/fixtures)."""
    return chart_value_types()


@hypothesis_settings(max_examples=60 * EXPLORE)
@given(config=VALID)
@example(config={**BASE_CONFIG, "proxy": {"httpsProxy": "http://p:3128", "noProxy": [".svc"]}})
@example(config={**BASE_CONFIG, "proxy": {"caCertFile": CA}})
@example(config={**BASE_CONFIG, "proxy": {"noProxy": []}})
def test_valid_settings_give_chart_values_with_consistent_proxy_fields(
    chart_values: dict[str, str], config: dict[str, Any]
) -> None:
    stack = parse(config)
    (cluster,) = stack.clusters
    proxy = config.get("proxy", {})
    has_credentials = any("@" in proxy.get(k, "") for k in ("httpProxy", "httpsProxy"))
    assert cluster.proxy.secret == has_credentials
    # Secrecy wraps values in Outputs; the keys and types are what this checks.
    values = agent_values(
        subscription_id="s", tenant_id="t", resource_group=cluster.resource_group, cluster_name=cluster.cluster_name,
        location=cluster.location, distribution=cluster.distribution, infrastructure=cluster.infrastructure,
        cloud=stack.cloud, private_key_pem="k", auto_upgrade=cluster.agents.auto_upgrade,
        proxy=dataclasses.replace(cluster.proxy, secret=False),
    )  # fmt: skip
    for key, value in leaves(values).items():
        assert key in chart_values, f"{key} is not in the chart's values.yaml"
        assert json_type(value) == chart_values[key], key
    sent = {k: v for k, v in values["global"].items() if k in PROXY_KEYS}
    urls_or_exceptions = {"httpProxy", "httpsProxy", "noProxy"} & set(sent)
    assert ("isProxyEnabled" in sent) == bool(urls_or_exceptions)
    assert ("isCustomCert" in sent) == ("proxyCert" in sent) == ("caCertFile" in proxy)
    assert all(sent[k] is True for k in ("isProxyEnabled", "isCustomCert") if k in sent)
    assert sent.get("httpProxy") == proxy.get("httpProxy") and sent.get("httpsProxy") == proxy.get("httpsProxy")
    assert sent.get("noProxy") == (",".join(proxy["noProxy"]) if proxy.get("noProxy") else None)


# --- arbitrary input --------------------------------------------------------------------------

# Printable names without ':' (which would make the printed key ambiguous to split off).
NAME = st.text(st.characters(exclude_characters=":").filter(str.isprintable), max_size=6)
# Fragments that once crashed a parser or a file check: random text alone rarely builds them.
TRICKY = st.sampled_from([
    "http://[fd00::1", "oci://[registry/x", "http://u:p@", "host:\u00b2", "~no-such-user-x/config", "c" * 300,
    "a\x00b", "10.0.0.0/33", "http://proxy:99999", " ", "", "-1", "1.2", "tests/fixtures", "tests/fixtures/kubeconfig",
    "tests/fixtures/private-key.pem", "2026-01-31", "[secure value, not decrypted offline]",
])  # fmt: skip
TEXT = st.text(max_size=12) | TRICKY | st.builds(str.__add__, TRICKY, st.text(max_size=4))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(NAME, children, max_size=3),
    max_leaves=8,
)


def shaped_object(fields: dict[str, Key]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with any of the fields, each shaped or not, and perhaps an unknown key."""
    return st.tuples(
        st.fixed_dictionaries({}, optional={name: shaped(sub) for name, sub in fields.items()}),
        st.dictionaries(NAME, JSON, max_size=1),
    ).map(lambda parts: {**parts[1], **parts[0]})


def shaped(key: Key) -> st.SearchStrategy[Any]:
    """Values of the key's shape or anything at all."""
    if key.type == "object":
        return JSON | shaped_object(dict(key.fields))
    if key.type == "array" and key.items == "object":
        return JSON | st.lists(shaped_object(dict(key.fields)), max_size=3)
    if key.type == "array":
        return JSON | st.lists(TEXT, max_size=3)
    if key.type == "map":
        return JSON | st.dictionaries(NAME, TEXT, max_size=3)
    scalar = {"string": TEXT, "boolean": st.booleans(), "integer": st.integers(), "json": JSON}[key.type]
    return JSON | scalar


TOP = {name: shaped(key) for name, key in SCHEMA.items() if name != "clusters"}
JUNK = st.dictionaries(NAME, JSON, max_size=1)
ONE_CLUSTER = st.tuples(st.fixed_dictionaries({}, optional=TOP), JUNK).map(
    lambda parts: {**BASE_CONFIG, **parts[1], **parts[0]}
)
FLEET = st.tuples(
    st.fixed_dictionaries({}, optional={k: v for k, v in TOP.items() if k != "clusterName"}),
    st.lists(shaped_object(CLUSTER_FIELDS), min_size=1, max_size=3),
).map(lambda parts: {"location": "westeurope", "resourceGroup": "rg", **parts[0], "clusters": parts[1]})
ANYTHING = st.tuples(st.fixed_dictionaries({}, optional={name: shaped(key) for name, key in SCHEMA.items()}), JUNK).map(
    lambda parts: {**parts[1], **parts[0]}
)
ARBITRARY = ONE_CLUSTER | FLEET | ANYTHING


def input_paths(value: Any, prefix: str) -> set[str]:
    paths = {prefix}
    if isinstance(value, dict):
        for name, item in value.items():
            paths |= input_paths(item, f"{prefix}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths |= input_paths(item, f"{prefix}[{index}]")
    return paths


def object_item_paths(config: Any, schema: Mapping[str, Key], prefix: str = "") -> set[str]:
    """The fields of each item of an array of objects (`policy.assignments[0].name`), even those the
    input leaves out: a required field that is missing is named by its path."""
    found: set[str] = set()
    if not isinstance(config, dict):
        return found
    for name, key in schema.items():
        value = config.get(name)
        if key.type == "object":
            found |= object_item_paths(value, key.fields, f"{prefix}{name}.")
        elif key.type == "array" and key.items == "object" and isinstance(value, list):
            for index in range(len(value)):
                found |= {f"{prefix}{name}[{index}]"} | {f"{prefix}{name}[{index}].{field}" for field in key.fields}
    return found


def real_paths(config: dict[str, Any]) -> set[str]:
    """The keys a problem may name: every path of the input, and every key of the schema."""
    paths = set().union(*(input_paths(value, name) for name, value in config.items()))
    schema = {path for path, _ in iter_keys()} | set(SCHEMA) | object_item_paths(config, SCHEMA)
    clusters = config.get("clusters")
    items = clusters if isinstance(clusters, list) else []
    for index, item in enumerate(items):
        item_keys = {path for path, _ in iter_keys(CLUSTER_FIELDS)} | set(CLUSTER_FIELDS)
        item_keys |= object_item_paths(item, CLUSTER_FIELDS)
        schema |= {f"clusters[{index}]"} | {f"clusters[{index}].{path}" for path in item_keys}
    return paths | schema


@hypothesis_settings(max_examples=200 * EXPLORE)
@given(config=ARBITRARY, secret=st.lists(st.sampled_from(sorted(SCHEMA)), max_size=2))
@example(config={"location": "westeurope", "resourceGroup": "rg", "tags": {"": ""}, "clusters": [{}]}, secret=[])
@example(  # an item named with a character printed escaped, labelling an inherited key's problem
    config={"location": "westeurope", "resourceGroup": "rg", "proxy": {"httpsProxy": "ftp://x"},
            "clusters": [{"clusterName": "\ud7fc"}]},
    secret=[],
)  # fmt: skip
def test_parser_never_crashes_and_names_real_keys(config: dict[str, Any], secret: list[str]) -> None:
    try:
        lines = list(parse(config, secret).warnings)
    except ConfigError as error:
        lines = error.problems
        assert lines
    known = real_paths(config)
    for line in lines:
        assert line.startswith(PREFIX) and "\n" not in line
        key = line[len(PREFIX) :]
        # An item's problem with a key it inherits names the item, then the top-level key the user
        # wrote (issue 20 finding 13).
        listed = config.get("clusters")
        for index, item in enumerate(listed if isinstance(listed, list) else []):
            name = item.get("clusterName") if isinstance(item, dict) else None
            # The problem line is printed with unprintable characters escaped, the name's too.
            label = one_line(
                f"clusters[{index}] ({name if isinstance(name, str) and name.strip() else 'no clusterName'})."
            )
            if key.startswith(label):
                key = key[len(label) :]
        key = key.split(": ", 1)[0]
        assert key in known, line


def test_a_control_character_in_a_key_cannot_forge_a_second_line() -> None:
    with pytest.raises(ConfigError) as raised:
        parse({**BASE_CONFIG, "tags": {"a\nb": "v" * 257}})
    assert raised.value.problems == ["arc-onboarding:tags.a\\nb: tag values are at most 256 characters"]
