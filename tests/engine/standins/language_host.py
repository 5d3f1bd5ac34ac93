"""STAND-IN for `pulumi-language-python`, the Python language host.

Why a stand-in: the Go module proxy of this workplace refuses the host's module
(`github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3`: 403 "This module version is
not available" for @v/list, @latest and every pseudo-version asked), so it cannot be built here.

What it keeps real: the program runs under the real `pulumi-language-python-exec` from the sdk/v3
module (copied beside this host by tests/engine/build.sh), with the arguments and environment the
real host gives it (pulumi/pulumi sdk/python/cmd/pulumi-language-python/main.go at v3.259.0:
`constructArguments`, `constructConfig`, `constructConfigSecretKeys`, exit code 32 = "bail"), in
the virtualenv named by the project's `runtime.options.virtualenv`. Required packages come from
the `pulumi-plugin.json` files of the installed packages, as `GetRequiredPackages` reads them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

from . import rpc

VERSION = "3.274.0"
# main.go: pythonProcessExitedAfterShowingUserActionableMessage
BAIL_EXIT_CODE = 32


def _python(info: language_pb2.ProgramInfo) -> str:
    options = rpc.to_dict(info.options)
    venv = options.get("virtualenv")
    if not venv:
        return sys.executable
    root = Path(info.root_directory)
    return str((root / venv / "bin" / "python") if not Path(venv).is_absolute() else Path(venv) / "bin" / "python")


def _packages(python: str) -> list[plugin_pb2.PackageDependency]:
    """Every installed package's pulumi-plugin.json with `resource: true` (main.go
    `packageDependencyFromPluginJSON`)."""
    listing = subprocess.run(
        [
            python,
            "-c",
            "import json,site,glob;print(json.dumps(sorted({p for d in site.getsitepackages() for p in glob.glob(d+'/*/pulumi-plugin.json')})))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    packages = []
    for path in json.loads(listing.stdout):
        meta = json.loads(Path(path).read_text())
        if meta.get("resource"):
            packages.append(
                plugin_pb2.PackageDependency(
                    name=meta["name"], kind="resource", version=meta.get("version", ""), server=meta.get("server", "")
                )
            )
    return packages


class Host(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, executor: str, engine_address: str) -> None:
        self.executor = executor
        self.engine_address = engine_address
        self.programs: list[subprocess.Popen[bytes]] = []

    def end_programs(self) -> None:
        """The engine is gone (killed): its programs would wait on a dead monitor forever."""
        for program in self.programs:
            if program.poll() is None:
                program.kill()

    def Handshake(self, request, context):
        self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetRequiredPlugins(self, request, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "method GetRequiredPlugins not implemented")

    def GetRequiredPackages(self, request, context):
        return language_pb2.GetRequiredPackagesResponse(packages=_packages(_python(request.info)))

    def InstallDependencies(self, request, context):
        # The tests point the project at an existing virtualenv; nothing to install.
        return iter(())

    def GetProgramDependencies(self, request, context):
        return language_pb2.GetProgramDependenciesResponse()

    def About(self, request, context):
        return language_pb2.AboutResponse(executable=_python(request.info), version=sys.version.split()[0])

    def RuntimeOptionsPrompts(self, request, context):
        return language_pb2.RuntimeOptionsResponse()

    def Cancel(self, request, context):
        return empty_pb2.Empty()

    def Run(self, request, context):
        args = []
        for key, value in (
            ("monitor", request.monitor_address),
            ("engine", self.engine_address),
            ("project", request.project),
            ("root_directory", request.info.root_directory),
            ("stack", request.stack),
            ("pwd", request.pwd),
            ("dry_run", "true" if request.dryRun else "false"),
            ("parallel", str(request.parallel)),
            ("organization", request.organization),
        ):
            if value:
                args += [f"--{key}", value]
        args.append(request.info.entry_point)
        args += list(request.args)
        env = dict(os.environ)
        if request.config:
            env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        program = subprocess.Popen(
            [_python(request.info), "-u", self.executor, *args], env=env, cwd=request.pwd or None
        )
        self.programs.append(program)
        code = program.wait()
        if code == 0:
            return language_pb2.RunResponse()
        if code == BAIL_EXIT_CODE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")


def main() -> None:
    # The real host's flags: -version, -use-executor PATH (else the exec script beside the host).
    argv = [a for a in sys.argv[1:] if not a.startswith("-")]
    if "--version" in sys.argv[1:] or "-version" in sys.argv[1:]:
        print(VERSION)
        return
    executor = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.lstrip("-").startswith("use-executor=")), "")
    if not executor or not Path(executor).is_file():
        sys.exit(f"missing executor {executor or 'pulumi-language-python-exec'}")
    host = Host(executor, argv[0] if argv else "")
    rpc.serve(
        lambda server: language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server),
        on_orphaned=host.end_programs,
    )


if __name__ == "__main__":
    main()
