"""Signing in, setting a password with a link, and asking for a link, for both audiences."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from datetime import timedelta

from temporalio.client import Client

from accounts.devices import DeviceTokens
from accounts.hashing import PasswordHasher
from accounts.passwords import PasswordProblem, normalize_password, password_problem
from accounts.throttle import PER_ACCOUNT, ThrottleRule
from accounts.tokens import token_hash
from commerce.accounts import Account, LinkHolder
from commerce.store import CommerceStore
from domain.audience import Audience
from starter.services.account_emails import send_notice, start_account_email
from workflows.invitation import InvitationWorkflow
from workflows.models import AccountEmailRequest

log = logging.getLogger(__name__)

# Longer than any email address (RFC 5321 allows 254); a longer one is simply unknown.
MAX_EMAIL = 320
# A password is at most 1000 characters; what is typed beyond cannot match any.
MAX_PASSWORD_INPUT = 2000


@dataclass(frozen=True)
class Throttled:
    seconds: int


class Mismatch(Exception):
    """The two new passwords differ."""


class LinkUnusable(Exception):
    """The link is unknown, used or expired (one answer for all three)."""


@dataclass(frozen=True)
class PasswordRefused(Exception):
    problem: PasswordProblem


def email_key(email: str) -> str:
    return email.strip().lower()


class AccountService:
    def __init__(
        self,
        store: CommerceStore,
        hasher: PasswordHasher,
        client: Client,
        task_queue: str,
        per_address: ThrottleRule,
        devices: DeviceTokens,
    ) -> None:
        self._per_address = per_address
        self._devices = devices
        self._store = store
        self._hasher = hasher
        self._client = client
        self._task_queue = task_queue

    async def sign_in(
        self, audience: Audience, email: str, password: str, address: str, device: str | None = None
    ) -> Account | Throttled | None:
        """The account, or None for a wrong email or password (one answer, the same work), or
        how long to wait when failures from this account name or address piled up.

        A browser that signed in to this account before (`device`, its device token) has its
        failures counted against that device instead of the account name, and is not held
        back by anyone else's: strangers' guesses cannot lock the owner out (OWASP's device
        cookies). An attempt that could not be checked is not counted as a failure.
        """
        email = email_key(email)
        known = self._devices.device_id(device, audience, email) if device else None
        own_key = f"device:{audience}:{email}:{known}" if known else f"account:{audience}:{email}"
        keys = [own_key, f"address:{audience}:{address}"]

        def wait(recent: dict[str, tuple[int, timedelta]]) -> timedelta | None:
            rules = zip(keys, (PER_ACCOUNT, self._per_address), strict=True)
            waits = [rule.wait(*recent[key]) for key, rule in rules if key in recent]
            return max((w for w in waits if w is not None), default=None)

        left = await self._store.sign_in_failures.claim(keys, wait)
        if left is not None:
            return Throttled(seconds=max(1, math.ceil(left.total_seconds())))
        try:
            account = await self._checked(audience, email, password)
        except Exception:
            await self._unclaim(keys, audience)
            raise
        if account is None:
            await self._store.sign_in_failures.failed(keys)
            return None
        await self._store.sign_in_failures.succeeded(*keys)
        return account

    async def _unclaim(self, keys: list[str], audience: Audience) -> None:
        # The caller hears of the hasher's or the store's error, not of a failure to give the
        # charge back: a store that is down keeps it.
        try:
            await self._store.sign_in_failures.unclaim(keys)
        except Exception:
            log.warning("an unchecked %s sign-in stays counted as a failure", audience)

    async def _checked(self, audience: Audience, email: str, password: str) -> Account | None:
        """The active account whose password this is, marked signed in; None otherwise,
        after the same work."""
        account = await self._store.accounts.by_email(audience, email)
        normalized = normalize_password(password[:MAX_PASSWORD_INPUT])
        if account is None or account.status != "active" or account.password_hash is None:
            await self._hasher.verify_dummy(normalized)
            return None
        if not await self._hasher.verify(account.password_hash, normalized):
            return None
        new_hash = None
        if self._hasher.needs_rehash(account.password_hash):
            new_hash = await self._hasher.hash(normalized)
        # Only if the password is still the one just verified: a reset meanwhile wins.
        if not await self._store.accounts.record_sign_in(
            audience, account.id, account.password_hash, new_hash
        ):
            return None
        return replace(account, password_hash=new_hash or account.password_hash)

    async def link_holder(self, token: str) -> LinkHolder:
        holder = await self._store.accounts.link_holder(token_hash(token)) if token else None
        if holder is None:
            raise LinkUnusable
        return holder

    async def set_password(
        self, holder: LinkHolder, token: str, password: str, repeat: str, locale: str
    ) -> Account:
        """Set the password with the one-time link `holder` was read from; raises LinkUnusable
        (used meanwhile), Mismatch or PasswordRefused, and changes nothing then."""
        account = holder.account
        problem = password_problem(password, email=account.email, company=account.company)
        if problem is not None:
            raise PasswordRefused(problem)
        if normalize_password(password) != normalize_password(repeat):
            raise Mismatch
        new_hash = await self._hasher.hash(normalize_password(password))
        changed = await self._store.accounts.set_password_with_link(token_hash(token), new_hash)
        if changed is None:
            raise LinkUnusable
        if account.status == "invited" and account.invitation_id is not None:
            await self._tell_invitation(account.invitation_id)
        if account.status == "active":
            # A password replaced, not a first one: the owner hears of it, in case it was not
            # them. The password is set already, so a failure to start the notice must not
            # undo the page's answer; the id, one per link, keeps a retry from sending two.
            notice = AccountEmailRequest(
                audience=account.audience,
                purpose="password_changed",
                account_id=account.id,
                locale="ja" if locale == "ja" else "en",
            )
            await send_notice(
                self._client,
                self._task_queue,
                notice,
                f"password of {account.audience} {account.id} changed",
                f"account-email-changed-{token_hash(token)[:32]}",
            )
        return changed

    async def _tell_invitation(self, invitation_id: str) -> None:
        # The invitation would find out at its next reminder or expiry anyway; the signal
        # only ends it sooner, so a failure to send it is no reason to fail the page.
        try:
            handle = self._client.get_workflow_handle_for(InvitationWorkflow.run, invitation_id)
            await handle.signal(InvitationWorkflow.activated)
        except Exception:
            log.warning("could not tell invitation %s of its activation", invitation_id)

    async def request_link(self, audience: Audience, email: str, locale: str) -> None:
        """Email whatever link lets the account set a password, if there is such an account;
        the caller answers the same either way, and this takes the same time either way."""
        email = email_key(email)
        if not email or len(email) > MAX_EMAIL:
            return
        await start_account_email(
            self._client,
            self._task_queue,
            AccountEmailRequest(
                audience=audience,
                purpose="link",
                email=email,
                locale="ja" if locale == "ja" else "en",
            ),
        )
