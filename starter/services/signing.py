"""HMAC signatures for links and cookies, each purpose with its own key."""

from __future__ import annotations

import hashlib
import hmac


class Signer:
    def __init__(self, secret: str, purpose: str) -> None:
        self._key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()

    def sign(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def verify(self, value: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(value), signature)
