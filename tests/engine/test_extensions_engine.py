"""Cluster extensions (issue 21) under the real Pulumi engine: created after the agents, a setting
change updates in place, a protected setting is ciphertext in the state and its change is an update
too, destroy deletes the extension before the agents and the uninstall guard leaves it to its
resource. Stand-ins: standins/ (azure_native.Extension is the extensions API at 2023-05-01)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .conftest import Engine, dev_config, json_object, upgraded_engine
from .test_engine import compare_with_plan, deletes_in_order

EXTENSION = "::arc-dev-rg/arc-dev-extensions-akvsecretsprovider"
RELEASE = "::arc-dev-rg/arc-dev-agents"
VERIFY = "::arc-dev-rg/arc-dev-verify"
TOKEN = "kv-Pr0tected-7f3c"  # a test value the state must never hold in plain text
NEW_TOKEN = "kv-Pr0tected-9a1d"
# The stand-in ARM keys resources by lower-cased id (ids compare without case).
EXTENSION_ID_END = "/providers/microsoft.kubernetesconfiguration/extensions/akvsecretsprovider"


def key_vault(interval: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "Microsoft.AzureKeyVaultSecretsProvider",
            "configurationSettings": {"secrets-store-csi-driver.rotationPollInterval": interval},
        }
    ]


def ops(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(op, logical name) of every step the engine finished, in order."""
    return [
        (e["resOutputsEvent"]["metadata"]["op"], e["resOutputsEvent"]["metadata"]["urn"].rsplit("::", 1)[-1])
        for e in events
        if "resOutputsEvent" in e
    ]


def arm_extension(engine: Engine) -> dict[str, Any]:
    found = [r for i, r in engine.state("azure")["resources"].items() if i.endswith(EXTENSION_ID_END)]
    assert len(found) == 1, "ARM holds no (or several) akvsecretsprovider extension"
    extension: dict[str, Any] = found[0]
    return extension


def set_token(engine: Engine, value: str) -> None:
    engine.run(
        "config",
        "set",
        "--secret",
        "--path",
        "arc-onboarding:extensions[0].configurationProtectedSettings.token",
        value,
    )


def test_extension_created_after_the_agents_updated_in_place_and_destroyed_before_them(engine: Engine) -> None:
    engine.init({**dev_config(), "arc-onboarding:extensions": key_vault("2m")})
    set_token(engine, TOKEN)
    _, events = engine.events("up", "--yes", "--skip-preview")
    done = ops(events)
    names = [name for _, name in done]
    extension = EXTENSION.removeprefix("::")
    assert ("create", extension) in done
    assert names.index(extension) > names.index(RELEASE.removeprefix("::"))
    assert names.index(extension) > names.index(VERIFY.removeprefix("::"))
    stored = arm_extension(engine)["inputs"]
    assert stored["extensionType"] == "microsoft.azurekeyvaultsecretsprovider"
    assert stored["configurationSettings"] == {"secrets-store-csi-driver.rotationPollInterval": "2m"}

    # The protected setting: ciphertext in the state, plain only with --show-secrets.
    assert TOKEN not in json.dumps(engine.export())
    assert TOKEN in json.dumps(engine.export("--show-secrets"))
    raw = "\n".join(p.read_text() for p in (engine.project.parent / "backend").rglob("*.json"))
    assert TOKEN not in raw

    # A setting change and a protected-setting change: updates of the same extension, no replacement.
    engine.set_config({"arc-onboarding:extensions": key_vault("5m")})
    set_token(engine, NEW_TOKEN)
    _, events = engine.events("up", "--yes", "--skip-preview")
    # (The project refreshes first: `refresh` steps are reads.)
    mine = [op for op, name in ops(events) if name == extension and op != "refresh"]
    assert mine == ["update"], mine
    stored = arm_extension(engine)["inputs"]
    assert stored["configurationSettings"] == {"secrets-store-csi-driver.rotationPollInterval": "5m"}
    assert NEW_TOKEN not in json.dumps(engine.export()) and TOKEN not in json.dumps(engine.export("--show-secrets"))

    # The uninstall guard's stored environment names it as managed: the guard leaves it to its resource
    # whichever of the two runs first at destroy.
    guard = next(
        r
        for r in engine.export("--show-secrets")["deployment"]["resources"]
        if r["urn"].endswith("::arc-dev-rg/arc-dev-uninstall-guard")
    )
    environment = guard["inputs"]["environment"]
    environment = json.loads(environment["plaintext"]) if "plaintext" in environment else environment
    assert "akvsecretsprovider" in environment["ARC_MANAGED_EXTENSIONS"].splitlines()

    # Destroy: the extension goes while the agents still run.
    _, events = engine.events("destroy", "--yes", "--skip-preview")
    order = [urn.rsplit("::", 1)[-1] for urn in deletes_in_order(events)]
    assert order.index(extension) < order.index(RELEASE.removeprefix("::")), order
    assert not [i for i in engine.state("azure")["resources"] if i.endswith(EXTENSION_ID_END)]
    deleted_by_guard = [
        c for c in engine.calls("az") if "delete" in c["argv"] and any("akvsecretsprovider" in a for a in c["argv"])
    ]
    assert not deleted_by_guard, "the uninstall guard deleted a managed extension"


def test_preview_registers_what_the_offline_plan_shows_with_extensions(engine: Engine) -> None:
    engine.init({**dev_config(), "arc-onboarding:extensions": key_vault("2m")})
    compare_with_plan(engine)


# main before issue 21: Flux's extension built by components/flux.py alone, without replaceOnChanges.
BEFORE_EXTENSIONS_COMMIT = "9ccd5f2f129a47b25f3189a71507ce480e36dbcb"


def test_upgrade_of_a_flux_stack_from_before_extensions_changes_no_resource(tools, tmp_path: Path) -> None:
    """Flux became a known type of the extensions machinery with the same URNs and inputs: a stack
    brought up by the previous program is neither replaced nor updated by the current one (only the
    `replaceOnChanges` option and an output's wording are new, docs/extensions.md)."""
    config = {**dev_config(), "arc-onboarding:gitops": {"url": "https://git.corp.example/platform/edge-config.git"}}
    engine = upgraded_engine(tools, tmp_path, BEFORE_EXTENSIONS_COMMIT, config)
    steps = json_object(engine.run("preview", "--json").stdout)["steps"]
    changed = [(s["op"], s["urn"].rsplit("::", 1)[-1]) for s in steps if s["op"] not in ("same", "read", "refresh")]
    assert [c for c in changed if "gitops" in c[1]] == [], changed
    # Issue 19 in the same upgrade: the agents' release loses its key value, and its new revision
    # re-runs verify (a create-only Command's trigger, so a replace); nothing else is replaced.
    replaced = [c for c in changed if c[0] in ("replace", "create-replacement", "delete-replaced", "delete")]
    assert [c for c in replaced if not c[1].endswith("-verify")] == [], changed
    engine.up()
    engine.up("--expect-no-changes")
