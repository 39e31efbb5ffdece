"""What the onboarding needs of a Sales CRM, whichever one serves it.

Ids are chosen by the caller (the workflow), so a repeated call writes the same records.
Refusals raise the rules of `domain.errors` (LeadNotOpen, OpportunityNotOpen, RecordNotFound).
A CRM reached over the network also raises SalesUnavailable (try again later) and
SalesRefused (it will refuse again until someone fixes the configuration or the data).
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from domain.outcomes import DisqualifyReason, LostReason
from domain.request import OnboardingRequest

Row = dict[str, Any]
LeadView = Literal["commerce-b2b", "my-open"]
LEAD_VIEWS: tuple[LeadView, ...] = ("commerce-b2b", "my-open")


class SalesUnavailable(Exception):
    """The CRM cannot answer now (down, overloaded, unreachable); retry with backoff."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        # Set when the CRM said how long to wait (HTTP 429 with Retry-After).
        self.retry_after = retry_after


class SalesRefused(Exception):
    """The CRM refuses the request and will refuse it again: a configuration or data fault."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class SalesBackend(Protocol):
    async def create_lead(
        self, lead_id: str, prospect_id: str, reference: str, request: OnboardingRequest
    ) -> None:
        """An unowned lead from the prospect, with a note saying where it came from."""

    async def qualify_lead(
        self, lead_id: str, opportunity_id: str, contact_id: str, account_id: str, decided_by: str
    ) -> None:
        """Qualify the lead, creating its account, contact and opportunity."""

    async def disqualify_lead(
        self, lead_id: str, reason: DisqualifyReason, decided_by: str, note: str
    ) -> None: ...

    async def close_opportunity(
        self,
        opportunity_id: str,
        outcome: Literal["won", "lost"],
        reason: LostReason | None,
        decided_by: str,
    ) -> None: ...

    async def leads(self, view: str, user: str, limit: int, offset: int) -> list[Row]:
        """ "All Commerce B2B leads", or the salesperson's own open leads ("My open leads")."""
        ...

    async def lead(self, lead_id: str) -> Row | None: ...

    async def opportunity(self, opportunity_id: str) -> Row | None: ...

    async def reference_of_lead(self, lead_id: str) -> str | None: ...

    async def reference_of_opportunity(self, opportunity_id: str) -> str | None: ...

    async def note_on_lead(self, lead_id: str, key: str, subject: str, text: str) -> None:
        """A note on the lead's timeline, written once per `key` however often it is asked."""

    async def erase(self, reference: str) -> bool:
        """Delete the onboarding's records; True if there were any."""
        ...

    async def can_reach(self) -> bool: ...

    async def record_links(self, reference: str) -> list[Row]:
        """The onboarding's records in the CRM's own pages: entity, id and url of each
        (empty where our own console shows them)."""
        ...
