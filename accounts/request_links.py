"""The token of an information request's link, made again wherever it is needed.

The token is an HMAC, under ONBOARDING_TOKEN_SECRET, of the request's id and a random salt
kept with the request; the store keeps only the salt and the token's SHA-256 (its lookup
key). The web app computes the hash when it stores the request, the email activity the
token when it writes the link: the token never enters the workflow's history, and every
email of the request (the request, its reminder, a retried send) carries the same link.
Without the secret, the store's rows give nobody the link; without the rows, the secret
gives nobody the salt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_PURPOSE = b"information-request-link:"


def new_salt() -> str:
    return secrets.token_hex(16)


def request_token(secret: str, request_id: str, salt: str) -> str:
    """The link's URL-safe token: 256 bits no one can compute without the secret."""
    key = hashlib.sha256(_PURPOSE + secret.encode()).digest()
    digest = hmac.new(key, f"{request_id}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
