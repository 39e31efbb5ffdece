"""A customer hierarchy in the JSON API, with its partner flags: what the monthly re-check
of approved partners found against it in a registry, and staff's clearing of one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from domain.registry_checks import Registry
from domain.request import SOME_TEXT, checked_text
from starter.api.schemas import Body

# What of a registry's details the API gives: dates, the closing cause and the successor's
# corporate number. Anything else a registry may add stays in the back office's page.
PUBLIC_DETAILS = (
    "closed_on",
    "close_cause",
    "successor_corporate_number",
    "cancelled_on",
    "expired_on",
    "registered_on",
    "updated_on",
)
REASON_MAX = 500


class HierarchyMember(BaseModel):
    customer_id: str
    name: str
    email: str | None
    role: Literal["admin", "approver", "buyer"]
    site_user_id: str | None
    site_user_status: Literal["invited", "active", "removed", "expired"] | None
    # Per order, in the organization's currency; null: the credit limit alone applies.
    spending_limit: Decimal | None = None
    last_sign_in_at: datetime | None = None


class PartnerFlag(BaseModel):
    """A finding against the organization; open while `cleared_at` is null."""

    id: int
    registry: Registry
    # `closed` covers a company merged away; `registration_cancelled` an invoice registration.
    kind: Literal["closed", "registration_cancelled"]
    raised_at: datetime
    details: dict[str, str]
    cleared_at: datetime | None
    # The staff account's id, or `api:<name>` for a program.
    cleared_by: str | None
    reason: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> PartnerFlag:
        details = row["details"]
        return cls(
            id=row["id"],
            registry=row["registry"],
            kind=row["status"],
            raised_at=row["raised_at"],
            details={key: str(details[key]) for key in PUBLIC_DETAILS if key in details},
            cleared_at=row["cleared_at"],
            cleared_by=row["cleared_by"],
            reason=row["clear_reason"],
        )


class CustomerHierarchy(BaseModel):
    id: str
    name: str
    purpose: str
    reference: str
    prospect_id: str
    organization_customer_id: str
    organization_name: str
    credit_limit_amount: Decimal | None
    credit_limit_currency: str | None
    members: list[HierarchyMember]
    created_at: datetime
    # Newest first.
    flags: list[PartnerFlag]

    @classmethod
    def of(cls, row: dict[str, Any]) -> CustomerHierarchy:
        flags = [PartnerFlag.of(flag) for flag in row["flags"]]
        return cls.model_validate({**row, "flags": flags})


class ClearFlagBody(Body):
    """Why the flag no longer holds (e.g. what the partner showed); kept in the audit log."""

    reason: Annotated[
        str,
        Field(min_length=1, max_length=REASON_MAX, json_schema_extra={"pattern": SOME_TEXT}),
        checked_text(SOME_TEXT, "must contain text, and no control characters"),
    ]
