"""What the command-line tools (`python -m components.plan`, `python -m components.shard`) share at
their entry: what a bare `python -m` outside the project's environment meets first, and a reader that
stops early (`| head`). Standard library only: it runs before any dependency is known to import."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def dependencies_missing(module: str, error: ModuleNotFoundError) -> int:
    """The message for a Python without the project's dependencies (not for a module of its own,
    whose absence is a bug to show as it is); the exit code."""
    if (error.name or "").split(".")[0] == "components":
        raise error
    print(
        f"{module}: this Python ({sys.executable}) does not have the project's dependencies (no module "
        f"{error.name!r}). Run it with the project's environment, from the project directory: "
        f"`make venv/.installed` once, then `venv/bin/python -m {module} ...` (README.md, On a fresh machine)",
        file=sys.stderr,
    )
    return 2


def run_to_a_pipe(main: Callable[[], int]) -> int:
    """`main()`'s exit code; when the reader of stdout went away (`| head`), 1 (or main's own
    failure) and no BrokenPipeError traceback."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit, which would fail once more: point it at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code
