"""What signed-in users (partner users and staff) do to their own account: change the
password with the current one, see their sessions, and sign out everywhere (ASVS V6.2.2,
V6.2.3, V7.5.2). The current password is checked like a sign-in, with its throttle, so a
stolen session cannot guess it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio.client import Client

from accounts.hashing import PasswordHasher
from accounts.passwords import normalize_password, password_problem
from accounts.tokens import token_hash
from commerce.accounts import Account
from commerce.store import CommerceStore
from domain.locale import Locale
from starter.services.account_emails import send_notice
from starter.services.accounts import (
    AccountService,
    Mismatch,
    PasswordRefused,
    Throttled,
)
from workflows.models import AccountEmailRequest


class WrongPassword(Exception):
    """The current password typed is not the account's (or changed meanwhile)."""


class TooManyAttempts(Exception):
    """Failed checks of this account's password piled up: wait `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"try again in {seconds} seconds")
        self.seconds = seconds


@dataclass(frozen=True)
class SessionSeen:
    created_at: datetime
    last_seen_at: datetime
    # The session of the browser that asks.
    current: bool


class AccountSettingsService:
    def __init__(
        self,
        store: CommerceStore,
        hasher: PasswordHasher,
        accounts: AccountService,
        client: Client,
        task_queue: str,
        session_idle: timedelta,
    ) -> None:
        self._store = store
        self._hasher = hasher
        self._accounts = accounts
        self._client = client
        self._task_queue = task_queue
        self._idle = session_idle

    async def change_password(
        self,
        account: Account,
        session_id: str,
        passwords: tuple[str, str, str],
        address: str,
        locale: Locale,
    ) -> None:
        """Replace the password (current, new, repeated): every other session ends, this one
        stays, and the owner gets the "password changed" email. Raises TooManyAttempts,
        WrongPassword, PasswordRefused or Mismatch, and changes nothing then."""
        current, new, repeat = passwords
        verified = await self._verified(account, current, address)
        problem = password_problem(new, email=account.email, company=account.company)
        if problem is not None:
            raise PasswordRefused(problem)
        if normalize_password(new) != normalize_password(repeat):
            raise Mismatch
        assert verified.password_hash is not None
        new_hash = await self._hasher.hash(normalize_password(new))
        changed = await self._store.account_settings.change_password(
            account.audience, account.id, verified.password_hash, new_hash, token_hash(session_id)
        )
        if not changed:
            raise WrongPassword
        notice = AccountEmailRequest(
            audience=account.audience,
            purpose="password_changed",
            account_id=account.id,
            locale=locale,
        )
        # The password is changed already: the notice cannot undo the page's answer.
        await send_notice(
            self._client,
            self._task_queue,
            notice,
            f"password of {account.audience} {account.id} changed",
        )

    async def sessions(self, account: Account, session_id: str) -> list[SessionSeen]:
        """The account's sessions that still work, the last used first; this one marked."""
        this = token_hash(session_id)
        rows = await self._store.account_settings.live_sessions(
            account.audience, account.id, self._idle
        )
        return [SessionSeen(r["created_at"], r["last_seen_at"], r["id_hash"] == this) for r in rows]

    async def sign_out_everywhere(self, account: Account, password: str, address: str) -> None:
        """End every session of the account, this one too, once the password is typed again.
        Raises TooManyAttempts or WrongPassword, and ends nothing then."""
        await self._verified(account, password, address)
        await self._store.sessions.end_all(account.audience, account.id)

    async def _verified(self, account: Account, password: str, address: str) -> Account:
        checked = await self._accounts.sign_in(account.audience, account.email, password, address)
        if isinstance(checked, Throttled):
            raise TooManyAttempts(checked.seconds)
        if not isinstance(checked, Account) or checked.id != account.id:
            raise WrongPassword
        return checked
