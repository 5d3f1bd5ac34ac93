"""Key conversion: PKIX PEM (pulumi_tls) -> base64 PKCS#1 DER (ARM), checked against cryptography;
an adopted private key's public half, checked against the standard-library conversion."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from components.keys import KeyFormatError, pkcs1_public_key_b64, pkcs1_public_key_der, public_key_of_private_pem


def _pkix(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _pkcs1_b64(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return base64.b64encode(der).decode()


@pytest.fixture(scope="module")
def key_4096() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=4096)


def test_4096_bit_key_matches_cryptography_and_the_az_cli_shape(key_4096: rsa.RSAPrivateKey) -> None:
    converted = pkcs1_public_key_b64(_pkix(key_4096))
    assert converted == _pkcs1_b64(key_4096)
    # What az connectedk8s sends for its RSA-4096 keys.
    assert converted.startswith("MIICCgKCAgEA")
    assert len(converted) == 704


@pytest.mark.parametrize("bits", [1024, 2048, 3072])
def test_other_sizes_match_cryptography(bits: int) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    assert pkcs1_public_key_b64(_pkix(key)) == _pkcs1_b64(key)


def test_trailing_newline_and_crlf_are_accepted(key_4096: rsa.RSAPrivateKey) -> None:
    pem = _pkix(key_4096).replace("\n", "\r\n") + "\n"
    assert pkcs1_public_key_b64(pem) == _pkcs1_b64(key_4096)


def test_converted_key_loads_as_pkcs1(key_4096: rsa.RSAPrivateKey) -> None:
    der = base64.b64decode(pkcs1_public_key_b64(_pkix(key_4096)))
    loaded = serialization.load_der_public_key(
        serialization.load_pem_public_key(
            b"-----BEGIN RSA PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END RSA PUBLIC KEY-----\n"
        ).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert isinstance(loaded, rsa.RSAPublicKey)
    assert loaded.public_numbers() == key_4096.public_key().public_numbers()


def test_ec_key_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(KeyFormatError, match="not an RSA public key"):
        pkcs1_public_key_b64(pem)


@pytest.mark.parametrize(
    "pem",
    [
        "",
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n",
    ],
)
def test_malformed_input_raises_key_format_error(pem: str) -> None:
    with pytest.raises(KeyFormatError):
        pkcs1_public_key_b64(pem)


def _pkcs1_private_pem(key: rsa.RSAPrivateKey) -> str:
    """As the CLI writes it to the agents' secret: PKCS#1, no trailing newline."""
    return (
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        .decode()
        .strip()
    )


def test_public_half_of_an_adopted_key_matches_the_stdlib_conversion(key_4096: rsa.RSAPrivateKey) -> None:
    derived = public_key_of_private_pem(_pkcs1_private_pem(key_4096))
    # Two independent routes: cryptography on the private key, DER unwrapping of the PKIX public key.
    assert derived == pkcs1_public_key_b64(_pkix(key_4096))
    assert derived.startswith("MIICCgKCAgEA") and len(derived) == 704


def test_adopted_key_with_crlf_and_trailing_newline(key_4096: rsa.RSAPrivateKey) -> None:
    pem = _pkcs1_private_pem(key_4096).replace("\n", "\r\n") + "\r\n"
    assert public_key_of_private_pem(pem) == _pkcs1_b64(key_4096)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda k: k.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode(),
            "not a PEM RSA PRIVATE KEY",
        ),
        (
            lambda k: k.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.BestAvailableEncryption(b"pw"),
            ).decode(),
            "an encrypted key",
        ),
        (
            lambda k: "-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----",
            "not a readable RSA private key",
        ),
        (lambda k: _pkix(k), "not a PEM RSA PRIVATE KEY"),
    ],
    ids=["pkcs8", "encrypted", "truncated", "public-key"],
)
def test_adopted_key_must_be_an_unencrypted_pkcs1_rsa_pem(key_4096: rsa.RSAPrivateKey, make, message: str) -> None:
    with pytest.raises(KeyFormatError, match=message):
        public_key_of_private_pem(make(key_4096))


def test_ec_key_in_an_rsa_label_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    body = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    relabelled = body.replace("EC PRIVATE KEY", "RSA PRIVATE KEY")
    with pytest.raises(KeyFormatError):
        public_key_of_private_pem(relabelled)


def test_pkcs1_public_key_der(key_4096: rsa.RSAPrivateKey) -> None:
    b64 = _pkcs1_b64(key_4096)
    assert pkcs1_public_key_der(b64) == base64.b64decode(b64)
    assert pkcs1_public_key_der("\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))) == base64.b64decode(b64)
    pkix_b64 = base64.b64encode(
        key_4096.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ).decode()
    for bad in ("", "!!", pkix_b64, b64 + "AAAA", base64.b64encode(b"\x30\x03\x02\x01\x01").decode()):
        with pytest.raises(KeyFormatError):
            pkcs1_public_key_der(bad)


@pytest.mark.parametrize(
    "pem",
    [
        "-----BEGIN PUBLIC KEY-----\n\x80\x81\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nü\n-----END PUBLIC KEY-----",
    ],
)
def test_non_ascii_body_is_a_key_format_error(pem: str) -> None:
    with pytest.raises(KeyFormatError, match="not base64"):
        pkcs1_public_key_b64(pem)


def test_non_ascii_arm_public_key_is_a_key_format_error() -> None:
    from components.keys import pkcs1_public_key_der

    with pytest.raises(KeyFormatError, match="not base64"):
        pkcs1_public_key_der("\x80MIICCgKCAgEA")
