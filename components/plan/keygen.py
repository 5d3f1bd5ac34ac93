"""The offline RSA key, generated off the critical path.

One RSA-4096 key costs 0.2–1.8 s (median 0.6 s here). `cryptography` releases the GIL while it
generates, so a thread started at process start (`__main__` does, before the SDK is imported) has
the key ready by the time the program asks for it. Without a started thread, the key is generated
when first asked for, as before. Either way one key per size per process, so plans in one process
agree.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

_keys: dict[int, Future[tuple[str, str]]] = {}
_lock = threading.Lock()


def _generate(bits: int) -> tuple[str, str]:
    """A new RSA key: private PEM (PKCS#1) and public PEM (SubjectPublicKeyInfo), as the tls provider returns them."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _claim(bits: int) -> tuple[Future[tuple[str, str]], bool]:
    """This size's future, and whether the caller is the one to fill it."""
    with _lock:
        if bits in _keys:
            return _keys[bits], False
        _keys[bits] = Future()
        return _keys[bits], True


def _fill(future: Future[tuple[str, str]], bits: int) -> None:
    try:
        future.set_result(_generate(bits))
    except BaseException as error:
        future.set_exception(error)


def start(bits: int) -> None:
    """Start generating a key of this size in a daemon thread (nothing if one is already under way)."""
    future, mine = _claim(bits)
    if mine:
        threading.Thread(target=_fill, args=(future, bits), name=f"offline-rsa-{bits}", daemon=True).start()


def key(bits: int) -> tuple[str, str]:
    """The key of this size: the one started in the background, waited for, or generated now."""
    future, mine = _claim(bits)
    if mine:
        _fill(future, bits)
    return future.result()


def forget() -> None:
    """In a process forked from one that has keys: generate its own, not reuse the parent's."""
    global _lock
    _keys.clear()
    _lock = threading.Lock()
