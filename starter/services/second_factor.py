"""The second factor after the password: enrol an authenticator app (TOTP), then a code, or
one of the recovery codes, at each sign-in.

Code attempts are throttled per account with the password's per-account rule, under a key of
their own. Only a session that knows the password reaches this step, so a stranger's guesses
cannot lock anyone out here, and a password holder's can do no more than at the password.
A right code clears the count; past 100 wrong codes in a row, however far apart, no code is
checked any more until a reset of the factor or of the password clears it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from accounts import totp
from accounts.recovery_codes import new_recovery_codes, recovery_code_digest
from accounts.sealing import KeyRing
from accounts.throttle import SECOND_FACTOR, UNTIL_CLEARED
from accounts.tokens import new_token, token_hash
from commerce.accounts import Account
from commerce.sessions import FactorStep
from commerce.sign_in_failures import second_factor_key
from commerce.store import CommerceStore

# The purpose the payload keys are narrowed to before they seal a TOTP secret. Secrets sealed
# under one purpose open under no other, so this never changes.
SEALING_PURPOSE = "second-factor-totp-secret"


@dataclass(frozen=True)
class Enrolment:
    # The base32 secret in groups of four, for typing into an app by hand.
    setup_key: str
    # The otpauth URI as an inline SVG QR code.
    qr_svg: str


@dataclass(frozen=True)
class AccountFactor:
    """A partner user's second factor as their account page shows it."""

    is_on: bool
    # The factor to enrol when it is off.
    enrolment: Enrolment | None


@dataclass(frozen=True)
class Passed:
    # The session's new id, for the cookie in place of the one the code was typed under,
    # and its expiry, unchanged.
    session_id: str
    expires_at: datetime
    # Shown once, after enrolment; empty after a code at sign-in.
    recovery_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Wrong:
    """The code (or recovery code) did not match, or was used already."""


@dataclass(frozen=True)
class Throttled:
    seconds: int


@dataclass(frozen=True)
class Locked:
    """Too many wrong codes in a row: none counts until a reset of the factor or password."""


FactorAnswer = Passed | Wrong | Throttled | Locked


class SecondFactorService:
    def __init__(
        self,
        store: CommerceStore,
        sealer: KeyRing,
        issuer: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._factors = store.second_factors(sealer)
        self._issuer = issuer
        self._now = now

    async def enrolment(self, account: Account, session_id: str, qr_title: str) -> Enrolment | None:
        """The pending factor this session began to show (begun now if there is none, or
        another session began it: its secret is that session's alone); None when the account
        has a verified factor, which asks for a code instead."""
        audience, account_id, session_hash = account.audience, account.id, token_hash(session_id)
        secret = await self._factors.pending_secret(audience, account_id, session_hash)
        if secret is None:
            secret = totp.new_secret()
            if not await self._factors.begin_enrolment(audience, account_id, secret, session_hash):
                return None
        uri = totp.provisioning_uri(secret, issuer=self._issuer, account=account.email)
        return Enrolment(totp.setup_key(secret), totp.qr_svg(uri, title=qr_title))

    async def account_factor(
        self, account: Account, session_id: str, qr_title: str
    ) -> AccountFactor:
        """Whether the account has a verified factor; the enrolment to offer this session
        when not."""
        if await self._factors.has_verified_factor(account.audience, account.id):
            return AccountFactor(is_on=True, enrolment=None)
        enrolment = await self.enrolment(account, session_id, qr_title)
        return AccountFactor(is_on=enrolment is None, enrolment=enrolment)

    async def submit(
        self, account: Account, session_id: str, step: FactorStep, typed: str
    ) -> FactorAnswer:
        """Check a code: to finish enrolment (`enrol`, or a partner user turning it on) or at
        sign-in (`verify`, where a recovery code also does). Passed marks the session and
        renews its id."""
        key = second_factor_key(account.audience, account.id)

        def wait(recent: dict[str, tuple[int, timedelta]]) -> timedelta | None:
            return SECOND_FACTOR.wait(*recent[key]) if key in recent else None

        # Never forgotten: the cap counts consecutive failures, however far apart.
        left = await self._store.sign_in_failures.claim([key], wait, forget_after=None)
        if left == UNTIL_CLEARED:
            return Locked()
        if left is not None:
            return Throttled(seconds=max(1, math.ceil(left.total_seconds())))
        # The recovery codes to show (none at sign-in); None when the code is wrong.
        if step == "verify":
            codes: list[str] | None = [] if await self._verify(account, typed) else None
        else:
            codes = await self._confirm(account, typed)
        if codes is None:
            await self._store.sign_in_failures.failed([key])
            return Wrong()
        await self._store.sign_in_failures.clear(key)
        new_session_id = new_token()
        expires_at = await self._store.sessions.pass_second_factor(
            token_hash(session_id), token_hash(new_session_id)
        )
        if expires_at is None:
            # Signed out meanwhile (a disable, a reset): the code opens nothing.
            return Wrong()
        return Passed(new_session_id, expires_at, recovery_codes=codes)

    async def _confirm(self, account: Account, typed: str) -> list[str] | None:
        """The recovery codes to show once the code finishes enrolment; None when wrong."""
        codes = new_recovery_codes(audience=account.audience, account_id=account.id)
        check = totp.code_check(typed, at=self._now())
        if not await self._factors.confirm_enrolment(
            account.audience, account.id, check, codes.digests
        ):
            return None
        if account.audience == "staff":
            await self._store.staff_access.record(account.id, account.id, "second_factor_enrolled")
        return codes.shown

    async def _verify(self, account: Account, typed: str) -> bool:
        audience, account_id = account.audience, account.id
        check = totp.code_check(typed, at=self._now())
        if await self._factors.verify_code(audience, account_id, check):
            return True
        digest = recovery_code_digest(typed, audience=audience, account_id=account_id)
        return digest is not None and await self._factors.use_recovery_code(
            audience, account_id, digest
        )
