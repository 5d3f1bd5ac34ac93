"""What the stand-ins share with each other and with the tests: one state file per stand-in, one
ordered log of every call (provider RPCs and fake CLI invocations alike), and one-shot faults.

All live in the directory named by ARC_ENGINE_WORLD; the engine passes its environment on to the
plugins it starts, and the command stand-in passes it on to the scripts it runs, so every process
of one test sees the same world. Files are locked while read and written: the engine runs several
plugin processes at once (one kubernetes provider per cluster).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WORLD_ENV = "ARC_ENGINE_WORLD"


def world() -> Path:
    return Path(os.environ[WORLD_ENV])


@contextlib.contextmanager
def locked(name: str) -> Iterator[dict[str, Any]]:
    """Read-modify-write of `<world>/<name>.json` under an exclusive lock."""
    path = world() / f"{name}.json"
    # One lock per file: a stand-in may take another file's lock while holding one (never in a cycle).
    with (world() / f".{name}.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(path.read_text()) if path.exists() else {}
        yield data
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        tmp.replace(path)


def read(name: str) -> dict[str, Any]:
    with locked(name) as data:
        copy: dict[str, Any] = json.loads(json.dumps(data))
        return copy


def record(who: str, call: str, **details: Any) -> None:
    """Append one line to the ordered call log."""
    entry = {"t": time.time(), "who": who, "call": call, **details}
    with (world() / ".calls.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with (world() / "calls.jsonl").open("a") as log:
            log.write(json.dumps(entry, sort_keys=True) + "\n")


def take_fault(who: str, call: str, subject: str) -> dict[str, Any] | None:
    """The first fault armed for (who, call) whose `match` is in `subject`, removed when taken
    (`times` > 1 keeps it armed for that many calls)."""
    with locked("faults") as faults:
        armed = faults.setdefault("armed", [])
        for fault in armed:
            if fault["who"] == who and fault["call"] == call and fault.get("match", "") in subject:
                fault["times"] = fault.get("times", 1) - 1
                if fault["times"] <= 0:
                    armed.remove(fault)
                faults.setdefault("taken", []).append({**fault, "subject": subject})
                taken: dict[str, Any] = fault
                return taken
    return None
