"""Small secrets sealed at rest with AES-256-GCM under named keys, so the keys can rotate.

The keys are the payload codec's ("id:base64,..."), each narrowed to one purpose first, so a
secret sealed for one use never opens as another's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12


class UnknownKey(Exception):
    """The secret was sealed with a key that is no longer configured."""


class KeyRing:
    """The active key seals; every key opens what it sealed."""

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str, *, purpose: str) -> None:
        if active_key_id not in keys:
            raise ValueError(f"the active key {active_key_id} is not among the keys")
        self._ciphers = {key_id: AESGCM(_purpose_key(key, purpose)) for key_id, key in keys.items()}
        self.active_key_id = active_key_id

    def seal(self, plaintext: bytes, context: bytes) -> tuple[str, bytes]:
        """The active key's id, and nonce + ciphertext. `context` (who the secret belongs
        to) is authenticated, not stored: the sealed bytes open only for the same context."""
        nonce = os.urandom(_NONCE_BYTES)
        cipher = self._ciphers[self.active_key_id]
        return self.active_key_id, nonce + cipher.encrypt(nonce, plaintext, context)

    def open(self, key_id: str, sealed: bytes, context: bytes) -> bytes:
        """The plaintext; `cryptography`'s InvalidTag when the bytes or the context changed."""
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownKey(key_id)
        return cipher.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context)


def _purpose_key(key: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(key)
