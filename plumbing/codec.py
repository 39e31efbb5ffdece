"""Payload encryption: AES-GCM over every payload Temporal stores, so histories hold no PII.

Several keys may decrypt (key rotation); the active one encrypts. Payloads written before
encryption, or by a client without it, pass through unchanged.
"""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import Mapping, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


def parse_keys(spec: str) -> dict[str, bytes]:
    """'id1:base64key,id2:base64key' into {id: 32-byte key}."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise ValueError("each key is written id:base64")
        key = base64.b64decode(encoded, validate=True)
        if len(key) != 32:
            raise ValueError(f"key {key_id} must be 32 bytes (AES-256)")
        keys[key_id] = key
    if not keys:
        raise ValueError("at least one key is needed")
    return keys


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        if active_key_id not in keys:
            raise ValueError(f"the active key {active_key_id} is not among the keys")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._active = active_key_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self._active]
        encoded = []
        for payload in payloads:
            nonce = os.urandom(12)
            encoded.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID: self._active.encode()},
                    data=nonce + cipher.encrypt(nonce, payload.SerializeToString(), None),
                )
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)
                continue
            key_id = payload.metadata.get(KEY_ID, b"").decode()
            cipher = self._ciphers.get(key_id)
            if cipher is None:
                raise ValueError(f"no key {key_id!r} to decrypt this payload")
            nonce, sealed = payload.data[:12], payload.data[12:]
            decoded.append(Payload.FromString(cipher.decrypt(nonce, sealed, None)))
        return decoded


def encrypted_converter(codec: EncryptionCodec) -> DataConverter:
    """Pydantic payloads, encrypted; failure messages and stack traces encrypted too."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
