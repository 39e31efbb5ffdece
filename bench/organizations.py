"""Partner organizations to order against, written straight into the Commerce store, and the
check, after the orders, that each one's credit adds up.

Each organization is what an approved onboarding leaves behind, less the prospect: a person
and an organization customer, the hierarchy with the person as its admin, a credit limit
large enough that no order of the benchmark is declined, and the person's active site user.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from commerce.customers import HIERARCHY_PURPOSE

CREDIT = Decimal(10**12)
CURRENCY = "JPY"


@dataclass(frozen=True)
class Organization:
    customer_id: str
    site_user_id: str


def _rows(run: str, count: int) -> dict[str, list[tuple[Any, ...]]]:
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for index in range(count):
        key = f"{run}-{index}"
        person, organization, hierarchy = f"BP-{key}", f"BO-{key}", f"BH-{key}"
        email = f"buyer-{key}@example.com"
        rows["person"].append((person, f"Sato Aiko {key}", "Aiko", "Sato", email))
        rows["organization"].append((organization, f"Bench Buyer {key} 株式会社"))
        rows["hierarchy"].append((hierarchy, f"Bench Buyer {key}", HIERARCHY_PURPOSE, organization))
        rows["member"].append((hierarchy, person))
        rows["credit"].append((organization, CREDIT, CURRENCY))
        rows["user"].append((f"BU-{key}", person, hierarchy, email))
    return rows


INSERTS = {
    "person": """INSERT INTO customers (id, customer_type, name, first_name, last_name, email)
                 VALUES ($1, 'person', $2, $3, $4, $5)""",
    "organization": """INSERT INTO customers (id, customer_type, name)
                       VALUES ($1, 'organization', $2)""",
    "hierarchy": """INSERT INTO customer_hierarchies (id, name, purpose, organization_customer_id)
                    VALUES ($1, $2, $3, $4)""",
    "member": """INSERT INTO customer_hierarchy_members (hierarchy_id, customer_id, role)
                 VALUES ($1, $2, 'admin')""",
    "credit": "INSERT INTO credit_limits (customer_id, amount, currency) VALUES ($1, $2, $3)",
    # A monthly budget no order reaches: each decision reads and moves the month's spend.
    "user": """INSERT INTO site_users (id, customer_id, hierarchy_id, email, status, activated_at,
                   monthly_budget)
               VALUES ($1, $2, $3, $4, 'active', now(), 1e12)""",
}


async def add_organizations(pool: asyncpg.Pool, run: str, count: int) -> list[Organization]:
    """`count` organizations, each with one active buyer, in one transaction."""
    rows = _rows(run, count)
    async with pool.acquire() as conn, conn.transaction():
        for table, statement in INSERTS.items():
            await conn.executemany(statement, rows[table])
    return [Organization(c[0], u[0]) for c, u in zip(rows["credit"], rows["user"], strict=True)]


_TOTALS = """
    SELECT c.customer_id, c.reserved, c.invoiced,
           (SELECT coalesce(sum(l.amount), 0) FROM credit_ledger l
            WHERE l.customer_id = c.customer_id AND l.kind = 'reserved') AS ledger_reserved,
           (SELECT count(*) FROM credit_ledger l
            WHERE l.customer_id = c.customer_id AND l.kind = 'reserved') AS ledger_rows,
           (SELECT count(*) FROM credit_ledger l
            WHERE l.customer_id = c.customer_id AND l.kind <> 'reserved') AS other_rows,
           (SELECT count(*) FROM purchase_authorizations a
            WHERE a.customer_id = c.customer_id AND a.status = 'approved') AS approved_rows,
           (SELECT coalesce(sum(u.budget_spent), 0) FROM site_users u
            JOIN customer_hierarchies h ON h.id = u.hierarchy_id
            WHERE h.organization_customer_id = c.customer_id) AS budget_spent
    FROM credit_limits c WHERE c.customer_id = ANY($1::text[])"""


async def check_credit(
    pool: asyncpg.Pool, approved: dict[str, tuple[int, Decimal]]
) -> dict[str, Any]:
    """Per organization: `credit_limits.reserved` equals the sum of the orders the benchmark
    saw approved, the sum of the ledger's `reserved` rows (one row per approved order) and
    the buyer's spend of the month."""
    rows = await pool.fetch(_TOTALS, list(approved))
    wrong: list[dict[str, Any]] = []
    for row in rows:
        count, amount = approved[row["customer_id"]]
        seen = {
            "reserved": row["reserved"],
            "ledger_reserved": row["ledger_reserved"],
            "ledger_rows": row["ledger_rows"],
            "approved_rows": row["approved_rows"],
            "budget_spent": row["budget_spent"],
        }
        expected = {
            "reserved": amount,
            "ledger_reserved": amount,
            "ledger_rows": count,
            "approved_rows": count,
            "budget_spent": amount,
        }
        if seen != expected or row["invoiced"] != 0 or row["other_rows"] != 0:
            wrong.append(
                {"customer_id": row["customer_id"], "expected": str(expected), "found": str(seen)}
            )
    return {
        "organizations": len(approved),
        "found": len(rows),
        "approved_orders": sum(count for count, _ in approved.values()),
        "reserved_total": str(sum((amount for _, amount in approved.values()), Decimal(0))),
        "mismatches": wrong[:10],
        "ok": not wrong and len(rows) == len(approved),
    }
