"""The audit log of a partner organization's users: one entry per change, whoever made it.

The admin's edits, a status move, a block, an admin hand-over and a user's own activation all
write here, inside the transaction of the change they record.

The actor is an id: a site user's, a staff account's, or `api:<name>` for a program with the
staff token (and `system` for the runs' own moves). The name a reader sees is looked up when
the log is read, so renaming an account cannot rewrite what it did.
"""

from __future__ import annotations

import json
from typing import Any

from storage.database import Connection, Database

Row = dict[str, Any]


def _json(values: Row | None) -> str | None:
    return None if values is None else json.dumps(values, default=str, ensure_ascii=False)


def _loads(value: str | None) -> Row | None:
    return None if value is None else dict(json.loads(value))


async def audit_on(
    conn: Connection,
    hierarchy_id: str,
    change_key: str,
    actor: str,
    action: str,
    site_user_id: str | None,
    before: Row | None = None,
    after: Row | None = None,
) -> None:
    """One entry per change: a retried write finds its key and adds nothing."""
    await conn.execute(
        """INSERT INTO audit_log (hierarchy_id, change_key, actor, action, site_user_id, before,
               after)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)
           ON CONFLICT (change_key) DO NOTHING""",
        hierarchy_id,
        change_key,
        actor,
        action,
        site_user_id,
        _json(before),
        _json(after),
    )


async def audit_activation(conn: Connection, site_user_id: str) -> None:
    """A partner user's activation is a change of their organization's users, made by them."""
    await conn.execute(
        """INSERT INTO audit_log (hierarchy_id, change_key, actor, action, site_user_id, before,
               after)
           SELECT hierarchy_id, 'activated:' || id, id, 'activated', id,
                  '{"status": "invited"}', '{"status": "active"}'
           FROM site_users WHERE id = $1
           ON CONFLICT (change_key) DO NOTHING""",
        site_user_id,
    )


async def audit_entries(db: Database, hierarchy_id: str, limit: int) -> list[Row]:
    """The organization's latest entries first, with the email of the user each is about
    and the actor's name as it is now (entries from before actors were ids name them)."""
    rows = await db.fetch(
        """SELECT a.at, a.actor, coalesce(st.name, ac.name, a.actor) AS actor_name, a.action,
                  a.site_user_id, u.email, a.before, a.after
           FROM audit_log a LEFT JOIN site_users u ON u.id = a.site_user_id
           LEFT JOIN staff_accounts st ON st.id = a.actor
           LEFT JOIN site_users au ON au.id = a.actor
           LEFT JOIN customers ac ON ac.id = au.customer_id
           WHERE a.hierarchy_id = $1 ORDER BY a.at DESC, a.id DESC LIMIT $2""",
        hierarchy_id,
        limit,
    )
    return [{**dict(r), "before": _loads(r["before"]), "after": _loads(r["after"])} for r in rows]
