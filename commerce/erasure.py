"""Erase what one onboarding wrote in Commerce, for an erasure request."""

from __future__ import annotations

from commerce.documents import erasure_statement as answers_erasure
from storage.database import Database

# The organization's customers that came with the request, then every member of its hierarchy
# (users its admin invited came from no prospect).
_REQUESTED = (
    "SELECT c.id FROM customers c JOIN prospects p ON p.id = c.prospect_id WHERE p.reference = $1"
)
_HIERARCHY = f"SELECT id FROM customer_hierarchies WHERE organization_customer_id IN ({_REQUESTED})"
_CUSTOMERS = (
    f"{_REQUESTED} UNION "
    f"SELECT customer_id FROM customer_hierarchy_members WHERE hierarchy_id IN ({_HIERARCHY})"
)
_SITE_USERS = f"SELECT id FROM site_users WHERE customer_id IN ({_CUSTOMERS})"
_SITE_EMAILS = f"SELECT lower(email) FROM site_users WHERE customer_id IN ({_CUSTOMERS})"
DELETES = (
    # Account emails (links, notices) have references of their own; their recipient tells.
    "DELETE FROM email_outbox WHERE reference NOT LIKE 'B2B-%'"
    f" AND lower(recipient) IN ({_SITE_EMAILS})",
    # Failures counted against the account's name, and against each of its devices.
    f"DELETE FROM sign_in_failures f USING ({_SITE_EMAILS}) AS s(e)"
    " WHERE f.key = 'account:site:' || s.e OR starts_with(f.key, 'device:site:' || s.e || ':')",
    f"DELETE FROM account_tokens WHERE audience = 'site' AND account_id IN ({_SITE_USERS})",
    f"DELETE FROM sessions WHERE audience = 'site' AND account_id IN ({_SITE_USERS})",
    # Their recovery codes go with the factors.
    f"DELETE FROM totp_factors WHERE audience = 'site' AND account_id IN ({_SITE_USERS})",
    f"DELETE FROM site_users WHERE customer_id IN ({_CUSTOMERS})",
    f"DELETE FROM credit_ledger WHERE customer_id IN ({_CUSTOMERS})",
    f"DELETE FROM credit_limit_changes WHERE customer_id IN ({_CUSTOMERS})",
    f"DELETE FROM purchase_authorizations WHERE customer_id IN ({_CUSTOMERS})",
    f"DELETE FROM credit_limits WHERE customer_id IN ({_CUSTOMERS})",
    f"DELETE FROM audit_log WHERE hierarchy_id IN ({_HIERARCHY})",
    f"DELETE FROM partner_flags WHERE hierarchy_id IN ({_HIERARCHY})",
    # Members and the invited users' customers together: once the members are gone nothing
    # else leads to those customers.
    f"""WITH members AS (
            DELETE FROM customer_hierarchy_members WHERE hierarchy_id IN ({_HIERARCHY})
            RETURNING customer_id)
        DELETE FROM customers WHERE prospect_id IS NULL
            AND id IN (SELECT customer_id FROM members)""",
    f"DELETE FROM customer_hierarchies WHERE organization_customer_id IN ({_REQUESTED})",
    f"DELETE FROM customers WHERE id IN ({_REQUESTED})",
    "DELETE FROM company_checks WHERE reference = $1",
    "DELETE FROM company_verifications WHERE reference = $1",
    "DELETE FROM prospects WHERE reference = $1",
    # The applicant's answers and their files, then the requests they answered.
    answers_erasure("SELECT id FROM information_requests WHERE reference = $1"),
    "DELETE FROM information_requests WHERE reference = $1",
    "DELETE FROM email_outbox WHERE reference = $1",
    "DELETE FROM onboarding_states WHERE reference = $1",
    "DELETE FROM onboarding_claims WHERE reference = $1",
    "DELETE FROM idempotency_keys WHERE reference = $1",
)


async def erase_onboarding(db: Database, reference: str) -> bool:
    """Delete every row the onboarding wrote; True if there was any."""
    return await db.rows_touched(DELETES, reference) > 0


async def record_erasure(db: Database, reference: str) -> None:
    await db.execute(
        "INSERT INTO erased_onboardings (reference) VALUES ($1) ON CONFLICT DO NOTHING", reference
    )


async def was_erased(db: Database, reference: str) -> bool:
    return bool(
        await db.fetchval("SELECT true FROM erased_onboardings WHERE reference = $1", reference)
    )
