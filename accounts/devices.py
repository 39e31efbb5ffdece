"""Device tokens: what a browser keeps after signing in to an account, so that its later
sign-ins are told apart from a stranger's (OWASP, "Slow Down Online Guessing Attacks with
Device Cookies").

A token is a random nonce and an HMAC binding it to the audience and the account's email: only
we can make one, it names nothing a reader could use, and it counts for that account alone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_NONCE_BYTES = 16
# A nonce (22 characters) and a MAC (64), with some room; anything longer is no token of ours.
MAX_TOKEN = 100


class DeviceTokens:
    def __init__(self, secret: str) -> None:
        # A key of its own: a device token can never pass for a status link or a CSRF token.
        self._key = hashlib.sha256(f"device-token:{secret}".encode()).digest()

    def _mac(self, audience: str, email: str, nonce: str) -> str:
        # The email as sign-in compares it: the typed one and the account's spell it alike.
        message = f"{audience}\x00{email.strip().lower()}\x00{nonce}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def issue(self, audience: str, email: str) -> str:
        """A new token for a browser that has just signed in to the account."""
        nonce = secrets.token_urlsafe(_NONCE_BYTES)
        return f"{nonce}.{self._mac(audience, email, nonce)}"

    def device_id(self, token: str, audience: str, email: str) -> str | None:
        """The device's id (its nonce) when the token is one we issued for this account;
        None otherwise."""
        if len(token) > MAX_TOKEN:
            return None
        nonce, _, mac = token.partition(".")
        if not nonce or not mac:
            return None
        expected = self._mac(audience, email, nonce)
        # compare_digest: the time taken must not tell how much of a forged MAC was right.
        return nonce if hmac.compare_digest(mac.encode(), expected.encode()) else None
