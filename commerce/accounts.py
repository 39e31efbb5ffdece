"""Who may sign in: partner site users and staff, their passwords and one-time links.

Both audiences share the link, session and throttle tables; each keeps its own account table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from commerce.audit_log import audit_activation
from domain.audience import Audience
from storage.database import Connection, Database

LinkPurpose = Literal["activation", "reset"]

_ACCOUNT_COLUMNS = (
    "id, email, name, status, password_hash, company, locale, customer_id, hierarchy_id,"
    " invitation_id"
)
# One shape for both audiences, so the sign-in code never asks which table it reads.
ACCOUNT_QUERIES: dict[Audience, str] = {
    "site": """SELECT u.id, u.email, c.name,
                      CASE WHEN u.blocked_at IS NULL THEN u.status ELSE 'blocked' END AS status,
                      u.password_hash, h.name AS company,
                      p.locale, h.organization_customer_id AS customer_id, u.hierarchy_id,
                      u.invitation_id
               FROM site_users u
               JOIN customers c ON c.id = u.customer_id
               JOIN customer_hierarchies h ON h.id = u.hierarchy_id
               LEFT JOIN prospects p ON p.id = c.prospect_id""",
    "staff": """SELECT id, email, name, status, password_hash, NULL AS company,
                       NULL AS locale, NULL AS customer_id, NULL AS hierarchy_id,
                       NULL AS invitation_id
                FROM staff_accounts""",
}
TABLES: dict[Audience, str] = {"site": "site_users", "staff": "staff_accounts"}


@dataclass(frozen=True)
class Account:
    audience: Audience
    id: str
    email: str
    name: str
    status: str
    password_hash: str | None
    company: str | None
    locale: str | None
    # The organization's customer id and hierarchy, for a partner's user.
    customer_id: str | None
    hierarchy_id: str | None
    # The invitation workflow that brought a partner user in, told when they activate.
    invitation_id: str | None

    @classmethod
    def from_row(cls, audience: Audience, row: Any) -> Account:
        return cls(
            audience=audience, **{k.strip(): row[k.strip()] for k in _ACCOUNT_COLUMNS.split(",")}
        )


@dataclass(frozen=True)
class LinkGrant:
    """A one-time link to issue: only the token's hash reaches the store."""

    audience: Audience
    account_id: str
    purpose: LinkPurpose
    token_hash: str
    lifetime: timedelta


@dataclass(frozen=True)
class LinkHolder:
    account: Account
    purpose: LinkPurpose


# Which accounts a link may set a password for: an activation link also lets an active user
# who lost the first password in, a reset link only an active one.
_LINK_STATUSES: dict[LinkPurpose, tuple[str, ...]] = {
    "activation": ("invited", "active"),
    "reset": ("active",),
}


class Accounts:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_email(self, audience: Audience, email: str) -> Account | None:
        # An address an expired or removed invitee freed may be another's now: theirs first.
        row = await self._db.fetchrow(
            f"""SELECT * FROM ({ACCOUNT_QUERIES[audience]}) a WHERE lower(a.email) = lower($1)
                ORDER BY a.status IN ('expired', 'removed'), a.id LIMIT 1""",
            email,
        )
        return Account.from_row(audience, row) if row else None

    async def by_id(self, audience: Audience, account_id: str) -> Account | None:
        row = await self._db.fetchrow(
            f"SELECT * FROM ({ACCOUNT_QUERIES[audience]}) a WHERE a.id = $1", account_id
        )
        return Account.from_row(audience, row) if row else None

    async def issue_link(self, grant: LinkGrant) -> None:
        async with self._db.acquire() as conn:
            await issue_link_on(conn, grant)

    async def link_issued_within(
        self, audience: Audience, account_id: str, period: timedelta
    ) -> bool:
        """Whether a link of the account that still works was issued this recently."""
        return bool(
            await self._db.fetchval(
                """SELECT true FROM account_tokens WHERE audience = $1 AND account_id = $2
                   AND created_at > now() - $3::interval AND used_at IS NULL
                   AND expires_at > now() LIMIT 1""",
                audience,
                account_id,
                period,
            )
        )

    async def link_holder(self, token_hash: str) -> LinkHolder | None:
        """Whose link this is, while it works: unused, unexpired, for an account it fits."""
        row = await self._db.fetchrow(
            """SELECT audience, account_id, purpose FROM account_tokens
               WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()""",
            token_hash,
        )
        if row is None:
            return None
        account = await self.by_id(row["audience"], row["account_id"])
        if account is None or account.status not in _LINK_STATUSES[row["purpose"]]:
            return None
        return LinkHolder(account=account, purpose=row["purpose"])

    async def set_password_with_link(self, token_hash: str, password_hash: str) -> Account | None:
        """Use the link once: set the password, activate an invited account, end every
        session of the account. None when the link does not work (any more)."""
        async with self._db.acquire() as conn, conn.transaction():
            # The row lock makes two posts of one link take turns: the second finds it used.
            row = await conn.fetchrow(
                """SELECT audience, account_id, purpose FROM account_tokens
                   WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
                   FOR UPDATE""",
                token_hash,
            )
            if row is None:
                return None
            audience: Audience = row["audience"]
            table = TABLES[audience]
            was = await conn.fetchval(
                f"SELECT status FROM {table} WHERE id = $1", row["account_id"]
            )
            updated = await conn.fetchval(
                f"""UPDATE {table} SET password_hash = $2, status = 'active',
                        activated_at = coalesce(activated_at, now())
                    WHERE id = $1 AND status = ANY($3::text[]) RETURNING id""",
                row["account_id"],
                password_hash,
                list(_LINK_STATUSES[row["purpose"]]),
            )
            if updated is None:
                return None
            # Every link of the account goes with this one: the password it set is the one.
            await conn.execute(
                """UPDATE account_tokens SET used_at = now()
                   WHERE audience = $1 AND account_id = $2 AND used_at IS NULL""",
                audience,
                row["account_id"],
            )
            await conn.execute(
                "DELETE FROM sessions WHERE audience = $1 AND account_id = $2",
                audience,
                row["account_id"],
            )
            if audience == "site" and was == "invited":
                await audit_activation(conn, row["account_id"])
            # Whoever holds the link holds the mailbox: its locks end, devices' and codes' too.
            await conn.execute(
                f"""DELETE FROM sign_in_failures f USING {table} a WHERE a.id = $2 AND (
                        f.key = 'account:' || $1 || ':' || lower(a.email)
                        OR f.key = 'second-factor:' || $1 || ':' || a.id
                        OR starts_with(f.key, 'device:' || $1 || ':' || lower(a.email) || ':'))""",
                audience,
                row["account_id"],
            )
        return await self.by_id(audience, row["account_id"])

    async def record_sign_in(
        self, audience: Audience, account_id: str, verified_hash: str, new_hash: str | None
    ) -> bool:
        """Note the sign-in, storing the password's new hash when the parameters changed; False
        when the password is no longer the one verified (reset meanwhile) or the account left
        `active`."""
        updated = await self._db.fetchval(
            f"""UPDATE {TABLES[audience]}
                SET last_sign_in_at = now(), password_hash = coalesce($3, password_hash)
                WHERE id = $1 AND password_hash = $2 AND status = 'active'
                RETURNING true""",
            account_id,
            verified_hash,
            new_hash,
        )
        return bool(updated)

    async def set_site_user_status(self, site_user_id: str, status: str) -> None:
        """Move a site user to a status; one who leaves `active` is signed out at once."""
        async with self._db.acquire() as conn, conn.transaction():
            await conn.execute(
                """UPDATE site_users SET status = $2, status_changed_at = now()
                   WHERE id = $1 AND status <> $2""",
                site_user_id,
                status,
            )
            if status != "active":
                await conn.execute(
                    "DELETE FROM sessions WHERE audience = 'site' AND account_id = $1",
                    site_user_id,
                )

    async def add_staff(self, staff_id: str, email: str, name: str) -> Account:
        """A staff account, invited; an existing one (same email) is returned as it is."""
        await self._db.execute(
            """INSERT INTO staff_accounts (id, email, name, status) VALUES ($1, $2, $3, 'invited')
               ON CONFLICT (lower(email)) DO NOTHING""",
            staff_id,
            email,
            name,
        )
        account = await self.by_email("staff", email)
        assert account is not None
        return account


async def issue_link_on(conn: Connection, grant: LinkGrant) -> None:
    """Issue a link on the caller's connection, inside the caller's transaction."""
    await conn.execute(
        """INSERT INTO account_tokens (token_hash, audience, account_id, purpose, expires_at)
           VALUES ($1, $2, $3, $4, now() + $5::interval)""",
        grant.token_hash,
        grant.audience,
        grant.account_id,
        grant.purpose,
        grant.lifetime,
    )
