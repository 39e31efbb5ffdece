"""Erase an onboarding: stop its run and delete what it wrote in both stores.

For a requester's erasure request, and for checks that must leave nothing behind.
"""

from __future__ import annotations

from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from starter.services import Services

SALES_DELETES = (
    """DELETE FROM timeline_notes WHERE record_id IN (
           SELECT id FROM leads WHERE reference = $1
           UNION SELECT o.id FROM opportunities o JOIN leads l ON l.id = o.lead_id
                 WHERE l.reference = $1)""",
    "DELETE FROM opportunities WHERE lead_id IN (SELECT id FROM leads WHERE reference = $1)",
    "DELETE FROM contacts WHERE lead_id IN (SELECT id FROM leads WHERE reference = $1)",
    "DELETE FROM accounts WHERE lead_id IN (SELECT id FROM leads WHERE reference = $1)",
    "DELETE FROM leads WHERE reference = $1",
)
_CUSTOMERS = (
    "SELECT c.id FROM customers c JOIN prospects p ON p.id = c.prospect_id WHERE p.reference = $1"
)
COMMERCE_DELETES = (
    f"DELETE FROM site_users WHERE customer_id IN ({_CUSTOMERS})",
    f"DELETE FROM credit_limits WHERE customer_id IN ({_CUSTOMERS})",
    f"DELETE FROM customer_hierarchy_members WHERE customer_id IN ({_CUSTOMERS})",
    f"DELETE FROM customer_hierarchies WHERE organization_customer_id IN ({_CUSTOMERS})",
    f"DELETE FROM customers WHERE id IN ({_CUSTOMERS})",
    "DELETE FROM prospects WHERE reference = $1",
    "DELETE FROM email_outbox WHERE reference = $1",
    "DELETE FROM onboarding_claims WHERE reference = $1",
    "DELETE FROM idempotency_keys WHERE reference = $1",
)


async def erase_onboarding(services: Services, reference: str) -> bool:
    """Terminate the run if it is open and delete its rows; False if nothing was known."""
    found = False
    try:
        handle = services.handle(reference)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("erased on request")
        found = True
    except RPCError as err:
        if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise
    for pool, statements in (
        (services.stores.sales, SALES_DELETES),
        (services.stores.commerce, COMMERCE_DELETES),
    ):
        async with pool.acquire() as conn, conn.transaction():
            for sql in statements:
                status = await conn.execute(sql, reference)
                found = found or not status.endswith(" 0")
    return found
