"""Temporal Cloud's UI calls the codec from its own origin with the signed-in Cloud user's
access token. The token must be signed by Temporal Cloud's published keys (RS256, within its
lifetime, and of the configured issuer and audience, both required), and its email must be
an active staff account's that has enrolled its second factor, as a staff session must have
passed it: a Cloud user who is not on our staff reads no payload."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import jwt

from commerce.accounts import Accounts
from commerce.second_factors import SecondFactors

# Temporal Cloud puts the user's email under its own claim name; "email" is the standard one.
EMAIL_CLAIMS = ("https://saas-api.tmprl.cloud/user/email", "email")
# The keys rotate rarely; an unknown key id makes the client fetch them again at once.
KEYS_LIFESPAN_SECONDS = 300
FETCH_TIMEOUT_SECONDS = 10


class UntrustedToken(Exception):
    """No token, or one that is not Temporal Cloud's, or no longer (or not yet) valid."""


class NotStaff(Exception):
    """A valid token of someone who is not an active staff account with a second factor."""


@dataclass(frozen=True)
class CloudTokenPolicy:
    jwks_url: str
    issuer: str | None
    audience: str | None

    def __post_init__(self) -> None:
        # Without both, any token Temporal Cloud's keys signed, for whatever service, would do.
        if not (self.issuer and self.audience):
            raise ValueError("a Cloud token is trusted only for a set issuer and audience")


class CloudCodecAccess:
    def __init__(
        self, policy: CloudTokenPolicy, accounts: Accounts, factors: SecondFactors
    ) -> None:
        self._policy = policy
        self._accounts = accounts
        self._factors = factors
        self._keys = jwt.PyJWKClient(
            policy.jwks_url, lifespan=KEYS_LIFESPAN_SECONDS, timeout=FETCH_TIMEOUT_SECONDS
        )

    async def reader(self, token: str) -> str:
        """The id of the active staff account the token's email names."""
        # The key fetch is blocking I/O (urllib), cached between calls.
        claims = await asyncio.to_thread(self._verified_claims, token)
        emails = [claims[name] for name in EMAIL_CLAIMS if isinstance(claims.get(name), str)]
        if not emails:
            raise UntrustedToken("the token names no email")
        account = await self._accounts.by_email("staff", emails[0])
        if account is None or account.status != "active":
            raise NotStaff("the token's user is not an active staff account")
        if not await self._factors.has_verified_factor("staff", account.id):
            raise NotStaff("the staff account has not enrolled its second factor")
        return account.id

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self._policy.issuer,
                audience=self._policy.audience,
                options={"require": ["exp", "iss", "aud"]},
            )
        # Bad signature, expired, unknown key, keys unreachable; ValueError: the keys' URL
        # answered with something that is not JSON, which PyJWT lets through.
        except (jwt.PyJWTError, ValueError) as err:
            raise UntrustedToken(f"the token does not verify: {err}") from err
        return claims
