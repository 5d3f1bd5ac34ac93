"""The gRPC plumbing a plugin needs: serve on a free loopback port and print it (the engine reads
the port from the plugin's first stdout line: pulumi/pulumi sdk/go/common/resource/plugin/plugin.go
`execPlugin`/`newPlugin`), and convert between protobuf Structs and plain values."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2

# The engine's marker for a value not known until `up` (sdk/go/common/resource/plugin/rpc.go
# UnknownStringValue); with acceptSecrets false the engine strips secrets before they reach us.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def to_dict(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    if struct is None:
        return {}
    found: dict[str, Any] = _ints(json_format.MessageToDict(struct))
    return found


def _ints(value: Any) -> Any:
    """Struct numbers are doubles; whole ones go back to int so they compare and print as given."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def to_struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def has_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def serve(register: Callable[[grpc.Server], None], on_orphaned: Callable[[], None] = lambda: None) -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    register(server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    # Exit when the engine that started us is gone, so a killed `pulumi` leaves no plugin behind.
    parent = os.getppid()
    while not done.wait(0.5):
        if os.getppid() != parent:
            # A call in flight (a cloud operation already started) still finishes, as it would in Azure.
            time.sleep(3)
            on_orphaned()
            break
    server.stop(grace=2).wait()
    # Not sys.exit: a call still blocked (the language host's Run of a program whose engine died)
    # would keep a non-daemon worker thread, and the process, alive.
    os._exit(0)
