"""The offline plan's lean start and finish (issue 13 §1): the key off the critical path, monitor
calls inline, no interpreter teardown; same output."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from components.plan import keygen
from components.plan.engine import PlanMocks, RecordingMonitor
from components.plan.runner import InlineExecutor
from tests.conftest import BASE_CONFIG, KUBECONFIG, ROOT


@pytest.fixture
def fresh_keys(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """An empty key store for small sizes, counting generations."""
    generated: list[int] = []
    real = keygen._generate

    def counting(bits: int) -> tuple[str, str]:
        generated.append(bits)
        return real(bits)

    monkeypatch.setattr(keygen, "_keys", {})
    monkeypatch.setattr(keygen, "_generate", counting)
    return generated


def test_a_key_started_in_the_background_is_the_key_handed_out(fresh_keys: list[int]) -> None:
    keygen.start(1024)
    keygen.start(1024)  # already under way: not a second key
    first = keygen.key(1024)
    assert keygen.key(1024) == first and first[0].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert fresh_keys == [1024]


def test_without_a_start_the_key_is_generated_once_when_asked(fresh_keys: list[int]) -> None:
    results: list[tuple[str, str]] = []
    threads = [threading.Thread(target=lambda: results.append(keygen.key(1024))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fresh_keys == [1024] and len(set(results)) == 1


def test_the_mock_provider_hands_out_the_background_key(plan, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keygen, "_keys", {})
    monkeypatch.setattr(PlanMocks, "_keys", {})
    keygen.start(4096)
    background = keygen.key(4096)
    assert plan(BASE_CONFIG, "--json").code == 0
    assert PlanMocks._keys == {4096: background}


def test_monitor_calls_run_inline_on_the_program_s_thread(plan, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: set[str] = set()
    register = RecordingMonitor.RegisterResource

    def recording(self: RecordingMonitor, request: object) -> object:
        threads.add(threading.current_thread().name)
        return register(self, request)

    monkeypatch.setattr(RecordingMonitor, "RegisterResource", recording)
    assert plan(BASE_CONFIG, "--json").code == 0
    assert threads == {threading.current_thread().name}


def test_inline_executor_passes_on_results_and_errors() -> None:
    executor = InlineExecutor()
    assert executor.submit(lambda a, b: a + b, 1, b=2).result() == 3
    with pytest.raises(ZeroDivisionError):
        executor.submit(lambda: 1 / 0).result()
    assert not executor._threads  # it starts no thread
    executor.shutdown()


def test_inline_calls_get_a_loop_of_their_own_not_the_running_one() -> None:
    # The mock monitor's `_sync_await` runs whatever loop is current: the program's running loop,
    # pumped re-entrantly, hung large plans; inline calls see a private loop that is not running.
    executor = InlineExecutor()
    previous = asyncio.get_event_loop()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # as the SDK's loop is: current and running

    def inside() -> tuple[asyncio.AbstractEventLoop, bool]:
        current = asyncio.get_event_loop()
        return current, current.is_running()

    async def program() -> tuple[tuple[asyncio.AbstractEventLoop, bool], asyncio.AbstractEventLoop]:
        seen = await asyncio.get_running_loop().run_in_executor(executor, inside)
        return seen, asyncio.get_running_loop()

    try:
        (current, running), after = loop.run_until_complete(program())
    finally:
        asyncio.set_event_loop(previous)
        loop.close()
        executor.shutdown()
    assert current is executor.loop and not running and after is loop


# The CLI entry as `python -m components.plan` runs it, watched: when the key's thread starts, and
# whether the interpreter's shutdown (atexit, final collection) runs.
WATCHED = """
import atexit, runpy, sys, threading
start = threading.Thread.start
def watched(self):
    if self.name.startswith("offline-rsa"):
        print(f"key thread started; SDK imported: {'pulumi' in sys.modules}", file=sys.stderr)
    start(self)
threading.Thread.start = watched
atexit.register(lambda: print("interpreter shutdown ran", file=sys.stderr))
sys.argv[0] = "components.plan"
runpy.run_module("components.plan", run_name="__main__", alter_sys=True)
"""


def run_entry(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path), "KUBECONFIG": str(KUBECONFIG)}
    return subprocess.run(
        [sys.executable, "-c", WATCHED, *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_entry_starts_the_key_first_and_exits_after_flushing(tmp_path: Path) -> None:
    done = run_entry(tmp_path, "--stack", "dev", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == "key thread started; SDK imported: False"
    assert "interpreter shutdown ran" not in done.stderr
    assert len(json.loads(done.stdout)["resources"]) == 17  # the whole document was flushed


def test_cli_entry_keeps_the_exit_code(tmp_path: Path) -> None:
    done = run_entry(tmp_path, "--stack", "nosuchstack")
    assert (done.returncode, done.stdout) == (2, "")
    assert "Pulumi.nosuchstack.yaml" in done.stderr and "interpreter shutdown ran" not in done.stderr
