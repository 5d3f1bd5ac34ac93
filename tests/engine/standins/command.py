"""STAND-IN for the `command` provider 1.2.1 (`pulumi-resource-command`), local.Command only.

Why a stand-in: the Go module proxy of this workplace refuses `github.com/pulumi/pulumi-command/provider`
(403 "This module version is not available" for @v/list and for the pseudo-version of the v1.2.1
commit, v0.0.0-20260303235922-7f3eb6f3b77c), so the real provider cannot be built here.

It runs the commands for real, with the rules of pulumi/pulumi-command provider/pkg/provider/local
(commandController.go, localrun.go at v1.2.1):
- create runs `create`; an update runs `update`, else `create` again; delete runs `delete` from the
  stored state (old environment, interpreter and dir), nothing when there is none;
- the interpreter defaults to ["/bin/sh", "-c"]; `environment` is merged over the provider's own
  environment; with addPreviousOutputInEnv (default true) an update or delete sees the last run's
  output as PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR;
- stdout and stderr lose one trailing newline; a non-zero exit fails the step with the output;
- `triggers` is `provider:"replaceOnChanges"` in the schema: a change replaces;
- the `command:local:run` invoke (local/run.go) runs `command` at once, in previews too, with the same
  interpreter, environment and exit rules, and returns its inputs with `stdout` and `stderr`; it
  keeps no state, so there is never a previous output.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from typing import Any

from . import provider
from .provider import Diff, Kind, ProviderError, top_level_diff


def run(script: str | None, state: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, str]:
    if not script:
        return {}
    env = dict(os.environ)
    env.update(state.get("environment") or {})
    if previous is not None and state.get("addPreviousOutputInEnv", True):
        env["PULUMI_COMMAND_STDOUT"] = previous.get("stdout", "")
        env["PULUMI_COMMAND_STDERR"] = previous.get("stderr", "")
    interpreter = state.get("interpreter") or ["/bin/sh", "-c"]
    done = subprocess.run(
        [*interpreter, script], env=env, cwd=state.get("dir") or None, capture_output=True, text=True, check=False
    )
    stdout, stderr = done.stdout.removesuffix("\n"), done.stderr.removesuffix("\n")
    if done.returncode != 0:
        raise ProviderError(f"exit status {done.returncode}: running {script!r}:\n{stdout}\n{stderr}".rstrip())
    return {"stdout": stdout, "stderr": stderr}


class Command(Kind):
    token = "command:local:Command"

    def diff(self, old_inputs, olds, news) -> Diff:
        return top_level_diff(old_inputs, news, force_new=("triggers",))

    def create(self, name, inputs):
        return f"{name}{uuid.uuid4().hex[:8]}", {**inputs, **run(inputs.get("create"), inputs, None)}

    def update(self, id_, olds, news):
        return {**news, **run(news.get("update") or news.get("create"), news, olds)}

    def delete(self, id_, olds):
        run(olds.get("delete"), olds, olds)


def local_run(inputs: dict[str, Any]) -> dict[str, Any]:
    return {**inputs, **run(inputs.get("command"), inputs, None)}


if __name__ == "__main__":
    provider.main(provider.Plugin("command", "1.2.1", {Command.token: Command()}, {"command:local:run": local_run}))
