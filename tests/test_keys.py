"""Key conversion: PKIX PEM (pulumi_tls) -> base64 PKCS#1 DER (ARM), checked against cryptography."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from components.keys import KeyFormatError, pkcs1_public_key_b64


def _pkix(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


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
    assert loaded.public_numbers() == key_4096.public_key().public_numbers()


def test_ec_key_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
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
