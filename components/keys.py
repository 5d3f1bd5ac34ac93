"""The agent key's public half in the form ARM expects.

`agentPublicKeyCertificate` is base64 of a DER **PKCS#1 RSAPublicKey** (SEQUENCE {n, e}), what the
az CLI sends; pulumi_tls gives a PKIX `PUBLIC KEY` PEM (SubjectPublicKeyInfo), which wraps that
same structure in an algorithm identifier and a BIT STRING. Unwrapping needs only the standard
library, so the conversion can be checked independently against `cryptography`.

An adopted onboarding brings its own private key (`agents.privateKey`); its public half is derived
with `cryptography`, which also proves the PEM is a usable RSA key.
"""

from __future__ import annotations

import base64

_SEQUENCE = 0x30
_BIT_STRING = 0x03
_INTEGER = 0x02
_OID = 0x06
# DER of OID 1.2.840.113549.1.1.1 (rsaEncryption)
_RSA_ENCRYPTION = bytes.fromhex("2a864886f70d010101")


class KeyFormatError(ValueError):
    """The PEM is not an RSA public key in PKIX form."""


def _read(der: bytes, offset: int, tag: int) -> tuple[bytes, int]:
    """One DER element of the expected tag at offset: (its contents, offset after it)."""
    if offset + 2 > len(der) or der[offset] != tag:
        raise KeyFormatError(f"expected DER tag 0x{tag:02x} at byte {offset}")
    length = der[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or start + count > len(der):
            raise KeyFormatError("invalid DER length")
        length = int.from_bytes(der[start : start + count], "big")
        start += count
    end = start + length
    if end > len(der):
        raise KeyFormatError("DER element runs past the end of the key")
    return der[start:end], end


def pem_body(pem: str, label: str) -> bytes:
    """The DER inside a PEM block with the given label."""
    begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
    text = pem.strip()
    if not text.startswith(begin) or end not in text:
        raise KeyFormatError(f"not a PEM {label}")
    body = text[len(begin) : text.index(end)]
    try:
        return base64.b64decode("".join(body.split()), validate=True)
    except ValueError as error:  # binascii.Error, or non-ASCII text
        raise KeyFormatError(f"PEM {label} body is not base64") from error


def pkcs1_public_key_b64(pkix_pem: str) -> str:
    """base64 DER PKCS#1 RSAPublicKey from a PKIX `PUBLIC KEY` PEM (`MIICCgKCAgEA…` for RSA-4096)."""
    der = pem_body(pkix_pem, "PUBLIC KEY")
    spki, end = _read(der, 0, _SEQUENCE)
    if end != len(der):
        raise KeyFormatError("trailing bytes after the public key")
    algorithm, offset = _read(spki, 0, _SEQUENCE)
    oid, _ = _read(algorithm, 0, _OID)
    if oid != _RSA_ENCRYPTION:
        raise KeyFormatError("not an RSA public key")
    bits, _ = _read(spki, offset, _BIT_STRING)
    if not bits or bits[0] != 0:
        raise KeyFormatError("public key BIT STRING has unused bits")
    return base64.b64encode(_checked_rsa_public_key(bits[1:])).decode("ascii")


def _checked_rsa_public_key(der: bytes) -> bytes:
    """`der` if it is exactly a PKCS#1 RSAPublicKey: SEQUENCE { modulus, publicExponent }."""
    numbers, end = _read(der, 0, _SEQUENCE)
    if end != len(der):
        raise KeyFormatError("trailing bytes after RSAPublicKey")
    _, offset = _read(numbers, 0, _INTEGER)  # modulus
    _, offset = _read(numbers, offset, _INTEGER)  # public exponent
    if offset != len(numbers):
        raise KeyFormatError("not an RSAPublicKey (SEQUENCE of modulus and exponent)")
    return der


def pkcs1_public_key_der(b64: str) -> bytes:
    """The DER of a base64 PKCS#1 RSAPublicKey (ARM's `agentPublicKeyCertificate`), checked."""
    try:
        der = base64.b64decode("".join(b64.split()), validate=True)
    except ValueError as error:  # binascii.Error, or non-ASCII text
        raise KeyFormatError("not base64") from error
    return _checked_rsa_public_key(der)


def public_key_of_private_pem(pem: str) -> str:
    """base64 DER PKCS#1 RSAPublicKey of a PKCS#1 `RSA PRIVATE KEY` PEM (what the CLI stores).

    Only that form: it is what the agents read from their secret, and a PKCS#8 or encrypted key
    there would not be the key the cluster was onboarded with. Messages never include the key.
    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if "ENCRYPTED" in pem:
        raise KeyFormatError("an encrypted key")
    pem_body(pem, "RSA PRIVATE KEY")  # the label, before parsing
    try:
        key = serialization.load_pem_private_key(pem.strip().encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm):
        raise KeyFormatError("not a readable RSA private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFormatError("not an RSA private key")
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return base64.b64encode(der).decode("ascii")
