"""Partner flags: what the monthly re-check of approved partners found against one in a
registry, shown in the back office until staff clear it with a reason.

A flag is one finding: a registry, a number and what it said (`closed`, which covers a
company merged away, or `registration_cancelled`). The same finding on a later run writes
nothing, so one that staff cleared stays cleared; only a new finding raises a new flag. The
identifiers re-checked are the ones the requester gave, kept in the prospect's company.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from commerce.audit_log import audit_on
from storage.database import Database

Row = dict[str, Any]
# What raises a flag; a mismatch (the name spelled otherwise) or an unknown number does not.
FLAGGED_STATUSES = ("closed", "registration_cancelled")
IDENTIFIERS = ("corporate_number", "invoice_registration_number", "vat_number")
CLEARED = "partner_flag_cleared"

_APPROVED_WITH_IDENTIFIERS = f"""
    SELECT h.id FROM customer_hierarchies h
    JOIN customers o ON o.id = h.organization_customer_id
    JOIN prospects p ON p.id = o.prospect_id
    WHERE p.status = 'approved' AND h.id > $1
      AND coalesce({", ".join(f"p.company->>'{name}'" for name in IDENTIFIERS)}) IS NOT NULL
    ORDER BY h.id LIMIT $2"""

_RAISE = """
    INSERT INTO partner_flags (hierarchy_id, registry, number, status, registered_name,
        registered_address, details, evidence, checked_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9)
    ON CONFLICT (hierarchy_id, registry, number, status) DO NOTHING
    RETURNING id"""

_FLAG_COLUMNS = """f.id, f.hierarchy_id, f.registry, f.number, f.status, f.registered_name,
    f.registered_address, f.details, f.evidence, f.checked_at, f.raised_at, f.cleared_at,
    f.cleared_by, f.clear_reason"""


def _flag(row: Any) -> Row:
    flag = dict(row)
    # The answer as stored, for a reader; the parsed values for code.
    flag["evidence_text"] = flag["evidence"]
    flag["details"] = json.loads(flag["details"])
    flag["evidence"] = json.loads(flag["evidence"])
    return flag


class PartnerFlags:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def approved_partners(self, after: str, limit: int) -> list[str]:
        """The next `limit` approved partners' hierarchy ids after `after` (in id order)
        whose request gave at least one identifier."""
        rows = await self._db.fetch(_APPROVED_WITH_IDENTIFIERS, after, limit)
        return [r["id"] for r in rows]

    async def partner(self, hierarchy_id: str) -> Row | None:
        """The approved partner's onboarding reference, language, name and the company as
        the request gave it (identifiers included); None once it is erased."""
        row = await self._db.fetchrow(
            """SELECT h.id AS hierarchy_id, h.name, p.reference, p.locale, p.company
               FROM customer_hierarchies h
               JOIN customers o ON o.id = h.organization_customer_id
               JOIN prospects p ON p.id = o.prospect_id
               WHERE h.id = $1""",
            hierarchy_id,
        )
        if row is None:
            return None
        return {**dict(row), "company": json.loads(row["company"])}

    async def raise_flag(
        self,
        hierarchy_id: str,
        registry: str,
        number: str,
        status: str,
        registered_name: str | None,
        registered_address: str | None,
        details: dict[str, str],
        evidence: dict[str, Any],
        checked_at: datetime,
    ) -> tuple[int, bool]:
        """The flag of this finding, and whether this call raised it (False: it was there,
        open or cleared, and is left as it is)."""
        assert status in FLAGGED_STATUSES, status
        async with self._db.acquire() as conn:
            raised = await conn.fetchval(
                _RAISE,
                hierarchy_id,
                registry,
                number,
                status,
                registered_name,
                registered_address,
                json.dumps(details, ensure_ascii=False),
                json.dumps(evidence, default=str, ensure_ascii=False),
                checked_at,
            )
            if raised is not None:
                return int(raised), True
            found = await conn.fetchval(
                """SELECT id FROM partner_flags WHERE hierarchy_id = $1 AND registry = $2
                       AND number = $3 AND status = $4""",
                hierarchy_id,
                registry,
                number,
                status,
            )
        return int(found), False

    async def flag(self, flag_id: int) -> Row | None:
        """The flag with its partner's name, onboarding reference and language."""
        row = await self._db.fetchrow(
            f"""SELECT {_FLAG_COLUMNS}, h.name, p.reference, p.locale
                FROM partner_flags f
                JOIN customer_hierarchies h ON h.id = f.hierarchy_id
                JOIN customers o ON o.id = h.organization_customer_id
                JOIN prospects p ON p.id = o.prospect_id
                WHERE f.id = $1""",
            flag_id,
        )
        return None if row is None else _flag(row)

    async def flags(self, hierarchy_id: str) -> list[Row]:
        """The organization's flags, open ones first, then newest first, with the name of
        the staff member who cleared each as it is now."""
        rows = await self._db.fetch(
            f"""SELECT {_FLAG_COLUMNS}, coalesce(st.name, f.cleared_by) AS cleared_by_name
                FROM partner_flags f LEFT JOIN staff_accounts st ON st.id = f.cleared_by
                WHERE f.hierarchy_id = $1
                ORDER BY f.cleared_at IS NOT NULL, f.raised_at DESC, f.id DESC""",
            hierarchy_id,
        )
        return [_flag(r) for r in rows]

    async def clear(self, hierarchy_id: str, flag_id: int, actor: str, reason: str) -> bool | None:
        """Clear an open flag, with the staff member's account id and reason, and record it
        in the organization's audit log in the same transaction: True. Clearing a cleared
        flag changes nothing: False; None when the organization has no such flag."""
        async with self._db.acquire() as conn, conn.transaction():
            cleared = await conn.fetchrow(
                """UPDATE partner_flags SET cleared_at = now(), cleared_by = $3,
                       clear_reason = $4
                   WHERE id = $1 AND hierarchy_id = $2 AND cleared_at IS NULL
                   RETURNING registry, number, status""",
                flag_id,
                hierarchy_id,
                actor,
                reason,
            )
            if cleared is None:
                there = await conn.fetchval(
                    "SELECT true FROM partner_flags WHERE id = $1 AND hierarchy_id = $2",
                    flag_id,
                    hierarchy_id,
                )
                return False if there else None
            finding = f"{cleared['registry']} {cleared['number']}: {cleared['status']}"
            await audit_on(
                conn,
                hierarchy_id,
                f"{CLEARED}:{flag_id}",
                actor,
                CLEARED,
                None,
                {"partner_flag": finding},
                {"partner_flag": None, "reason": reason},
            )
        return True

    async def organization_flagged(self, site_user_id: str) -> bool:
        """Whether the user's organization has a flag staff have not cleared."""
        return bool(
            await self._db.fetchval(
                """SELECT true FROM site_users u
                   JOIN partner_flags f ON f.hierarchy_id = u.hierarchy_id
                   WHERE u.id = $1 AND f.cleared_at IS NULL LIMIT 1""",
                site_user_id,
            )
        )
