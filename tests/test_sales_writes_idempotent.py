"""Each Sales write of the onboarding's steps run twice with the same input leaves the same
rows; a write the lead's or opportunity's status forbids is refused for good."""

from __future__ import annotations

import pytest
from temporalio.exceptions import ApplicationError

from activities.onboarding_models import CloseLeadInput, CloseOpportunityInput
from domain.outcomes import DisqualifyReason, LostReason
from tests import rows
from tests.onboarding_writes import (
    Onboarding,
    assert_repeat_changes_nothing,
    disqualify,
    onboarding,  # noqa: F401 (the fixture `o`)
)


async def test_create_lead_twice(o: Onboarding) -> None:
    """A repeated lead write keeps one lead and one creation note."""
    await o.record()
    await assert_repeat_changes_nothing(o, o.lead)
    sales = await rows.sales_rows(o.stores, o.lead_id)
    assert (len(sales["leads"]), len(sales["timeline_notes"])) == (1, 1)


async def test_qualify_lead_twice(o: Onboarding) -> None:
    """A repeated qualify keeps one opportunity, contact and account."""
    await o.record()
    await o.lead()
    await assert_repeat_changes_nothing(o, o.qualify)
    sales = await rows.sales_rows(o.stores, o.lead_id)
    assert [len(sales[t]) for t in ("opportunities", "contacts", "accounts")] == [1, 1, 1]


async def test_close_lead_twice(o: Onboarding) -> None:
    """A repeated disqualify keeps the lead disqualified with one closing note."""
    await o.record()
    await o.lead()

    async def close() -> None:
        await o.sales.close_lead(
            CloseLeadInput(
                lead_id=o.lead_id,
                reason=DisqualifyReason.LOST,
                decided_by="rep",
                note="Disqualified.",
            )
        )

    await assert_repeat_changes_nothing(o, close)


async def test_qualifying_a_disqualified_lead_is_refused(o: Onboarding) -> None:
    """Qualify after a disqualify is a non-retryable error that creates no Sales records."""
    await o.record()
    await o.lead()
    await o.sales.close_lead(disqualify(o))
    with pytest.raises(ApplicationError) as refused:
        await o.qualify()
    assert (refused.value.type, refused.value.non_retryable) == ("LeadNotOpen", True)
    sales = await rows.sales_rows(o.stores, o.lead_id)
    assert [len(sales[t]) for t in ("opportunities", "contacts", "accounts")] == [0, 0, 0]
    assert sales["leads"][0]["status"] == "disqualified"


async def test_disqualifying_a_qualified_lead_is_refused(o: Onboarding) -> None:
    """Disqualify after a qualify is a non-retryable error; the lead stays qualified."""
    await o.record()
    await o.lead()
    await o.qualify()
    with pytest.raises(ApplicationError) as refused:
        await o.sales.close_lead(disqualify(o))
    assert (refused.value.type, refused.value.non_retryable) == ("LeadNotOpen", True)
    sales = await rows.sales_rows(o.stores, o.lead_id)
    assert sales["leads"][0]["status"] == "qualified"
    assert [n["note_key"] for n in sales["timeline_notes"] if n["record_type"] == "lead"] == [
        "created",
        "qualified",
    ]


async def test_qualifying_an_unknown_lead_is_refused(o: Onboarding) -> None:
    """Qualify of a lead that does not exist is a non-retryable RecordNotFound."""
    with pytest.raises(ApplicationError) as refused:
        await o.qualify()
    assert (refused.value.type, refused.value.non_retryable) == ("RecordNotFound", True)


async def test_close_opportunity_twice(o: Onboarding) -> None:
    """A repeated lost close keeps one lost opportunity and one closing note."""
    await o.record()
    await o.lead()
    await o.qualify()

    async def close() -> None:
        await o.sales.close_opportunity(
            CloseOpportunityInput(
                opportunity_id=o.opportunity_id,
                outcome="lost",
                reason=LostReason.OUT_SOLD,
                decided_by="rep",
            )
        )

    await assert_repeat_changes_nothing(o, close)


async def test_close_opportunity_the_other_way_is_refused(o: Onboarding) -> None:
    """Winning an opportunity already lost is a non-retryable business error."""
    await o.record()
    await o.lead()
    await o.qualify()
    lost = CloseOpportunityInput(
        opportunity_id=o.opportunity_id, outcome="lost", reason=LostReason.CANCELED, decided_by="r"
    )
    await o.sales.close_opportunity(lost)
    won = lost.model_copy(update={"outcome": "won", "reason": None})
    with pytest.raises(ApplicationError) as refused:
        await o.sales.close_opportunity(won)
    assert (refused.value.type, refused.value.non_retryable) == ("OpportunityNotOpen", True)
