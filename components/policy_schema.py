"""The `policy` config key, in the form of components/schema.py, to be appended to `SCHEMA` there.

Wiring (one line in schema.py, before `CLUSTER_FIELDS` is computed): `SCHEMA["policy"] = POLICY_KEY`.
`policy` is per cluster (not `stack_only`), so fleet items take it and merge it like `gitops`.

`parameters` holds any JSON value per parameter (strings, lists, booleans, objects), which no
existing key type allows: it is declared with the type `json`, which schema.py's `KeyType` and the
settings' type coercion must learn (pass the value through untouched; components/policy.py checks it).
"""

from __future__ import annotations

from .schema import Key

ENFORCEMENT_MODES = ("Default", "DoNotEnforce")

ASSIGNMENT_FIELDS: dict[str, Key] = {
    "name": Key(
        "string",
        "ARM name of the assignment: 1-64 characters, none of `<>*%&:\\?.+/` or control characters, not "
        "ending in a space; unique per cluster.",
        required=True,
    ),
    "definition": Key(
        "string",
        "A Kubernetes built-in by display name or id (see docs/policy.md), or the full id of a custom "
        "definition or initiative (`/subscriptions/<id>/providers/Microsoft.Authorization/policyDefinitions/<name>`, "
        "or the management-group form).",
        required=True,
    ),
    "parameters": Key(
        "json",  # type: ignore[arg-type]  # see the module docstring
        "Parameter values by name, plain (`effect: Deny`); checked against the built-in's parameters.",
        default={},
    ),
    "enforcement": Key(
        "string",
        "`Default` (enforced) or `DoNotEnforce` (evaluated and reported only).",
        default="Default",
    ),
}

POLICY_FIELDS: dict[str, Key] = {
    "enabled": Key(
        "boolean",
        "Install the Azure Policy extension (`microsoft.policyinsights`, named `azurepolicy`) once the "
        "agents are in; assignments need it.",
        default=False,
    ),
    "autoUpgradeMinorVersion": Key(
        "boolean",
        "Let Azure upgrade the extension's minor versions (Microsoft's default); `false` pins `policy.version`.",
        default=True,
    ),
    "version": Key(
        "string",
        "The extension version to pin (e.g. `1.16.1`); only with `policy.autoUpgradeMinorVersion: false`.",
    ),
    "assignments": Key(
        "array",
        "Policy assignments scoped to the connected cluster, each `{name, definition, parameters, "
        "enforcement}` (docs/policy.md describes the fields); needs `policy.enabled`.",
        items="object",
        fields=ASSIGNMENT_FIELDS,
    ),
}

POLICY_KEY = Key(
    "object",
    "Azure Policy on the connected cluster: the extension and assignments (docs/policy.md).",
    fields=POLICY_FIELDS,
    optional=True,
)
