"""Random bearer tokens and the digests they are stored under."""

from __future__ import annotations

import hashlib
import secrets

_TOKEN_BYTES = 32  # 256 bits


def new_token() -> str:
    """A fresh URL-safe token carrying 256 random bits."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest of the token's UTF-8 bytes, which is what gets stored."""
    # Tokens carry 256 random bits, so nobody can guess their way through the digest: a fast hash
    # is enough, unlike passwords. Being deterministic, it also lets a store look tokens up by it.
    # surrogatepass: a malformed token from a JSON body must miss the lookup, not raise.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
