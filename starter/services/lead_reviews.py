"""A lead as the Sales console shows it for a decision: the record, whether a decision is
under way, the company verification and the information requests with their answers; and
qualifying it, which asks a salesperson to confirm they saw a verification that found
something wrong.

The confirmation is recorded as a note on the lead's timeline, written before the decision
goes to the onboarding: who confirmed, and which verdict they saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sales.port import Row, SalesBackend
from starter.services.information_requests import InformationRequestService, RequestWithAnswers
from starter.services.pipeline import Decided, DecisionRefused, SalesPipeline
from starter.services.verification import CompanyVerifications, Verification

# Verdicts that a salesperson confirms having seen before qualifying (issue #31).
NEEDS_CONFIRMATION = frozenset({"mismatch", "closed", "not_found"})
CONFIRMED_NOTE_KEY = "verification-confirmed"


class ConfirmationNeeded(DecisionRefused):
    """The lead's company verification found something wrong (`verdict`), and qualifying
    did not confirm it was seen."""

    def __init__(self, reference: str, verdict: str) -> None:
        super().__init__(
            reference, f"the company verification found {verdict}: confirm you have seen it"
        )
        self.verdict = verdict


def asks_confirmation(verification: Verification | None) -> bool:
    """The verification found something a salesperson confirms having seen."""
    return verification is not None and verification.status in NEEDS_CONFIRMATION


@dataclass(frozen=True)
class LeadForDecision:
    record: Row
    processing: bool
    verification: Verification | None
    information_requests: list[RequestWithAnswers] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return asks_confirmation(self.verification)


class LeadReviews:
    def __init__(
        self,
        pipeline: SalesPipeline,
        verifications: CompanyVerifications,
        information_requests: InformationRequestService,
        sales: SalesBackend,
    ) -> None:
        self._pipeline = pipeline
        self._verifications = verifications
        self._information_requests = information_requests
        self._sales = sales

    async def lead(self, lead_id: str) -> LeadForDecision:
        """Raises NotFound for a lead no onboarding has."""
        lead = await self._pipeline.lead_under_review(lead_id)
        verification = await self._verifications.of(lead.record["reference"])
        requests = await self._information_requests.of_lead(lead_id)
        return LeadForDecision(lead.record, lead.processing, verification, requests)

    async def qualify(self, lead_id: str, decided_by: str, seen: str | None) -> Decided:
        """Qualify the lead; raises ConfirmationNeeded when its verification asks for a
        confirmation and `seen`, the verdict the decider confirms having seen, is not the
        lead's verdict now (a confirmation of an older verdict does not pass a newer one)."""
        # Only what the check needs: the console's whole view of the lead is not read again.
        reference = await self._pipeline.lead_reference(lead_id)
        verification = await self._verifications.of(reference)
        if asks_confirmation(verification):
            assert verification is not None
            status = verification.status
            if seen != status:
                raise ConfirmationNeeded(reference, status)
            await self._sales.note_on_lead(
                lead_id,
                CONFIRMED_NOTE_KEY,
                "Company verification seen",
                f"{decided_by} saw the company verification ({status}) and qualified the "
                "lead nevertheless.",
            )
        return await self._pipeline.qualify(lead_id, decided_by)
