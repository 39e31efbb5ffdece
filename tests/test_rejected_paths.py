"""The rejecting paths of the onboarding end to end on the Temporal dev server, PostgreSQL and
SMTP: a disqualified lead, and a lost opportunity after qualifying."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.worker import Worker

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from starter.services.start import OnboardingStarter
from tests import rows
from tests.factories import disqualified, make_request, now, qualified, start_until_lead
from workflows.models import OnboardingStatus, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow


def subjects(smtp: SmtpSink, address: str) -> list[str]:
    return [str(m["Subject"]) for m in smtp.messages_to(address)]


async def test_disqualified_lead_rejects_the_prospect(
    client: Client, worker: Worker, starter: OnboardingStarter, stores: Stores, smtp: SmtpSink
) -> None:
    """Disqualify: prospect rejected with the reason, lead closed with a note, rejection email."""
    request = make_request("en")
    email = request.contact.email
    handle = await start_until_lead(client, starter, request)
    reference = handle.id
    await handle.signal(OnboardingWorkflow.disqualify_lead, disqualified("No longer interested"))
    state = await handle.result()
    ids = state.ids

    assert state.status is OnboardingStatus.REJECTED
    assert [(h.event, h.reason) for h in state.history] == [
        ("requested", None),
        ("lead_disqualified", "No longer interested"),
        ("rejected", "lead disqualified: No longer interested"),
    ]
    prospect = await rows.prospect(stores, reference)
    assert prospect is not None
    assert (prospect["status"], prospect["status_reason"]) == (
        "rejected",
        "lead disqualified: No longer interested",
    )
    assert ids.lead_id is not None
    sales = await rows.sales_rows(stores, ids.lead_id)
    assert [(r["status"], r["status_reason"]) for r in sales["leads"]] == [
        ("disqualified", "No longer interested")
    ]
    assert sales["opportunities"] == sales["accounts"] == sales["contacts"] == []
    assert [(n["note_key"], n["body"]) for n in sales["timeline_notes"]][1:] == [
        ("closed", "Disqualified by sales.rep@shop.example: No longer interested."),
    ]
    assert (ids.opportunity_id, ids.customer_hierarchy_id) == (None, None)
    assert subjects(smtp, email) == [
        f"We received your business partner request ({reference})",
        f"Your business partner request to Contoso B2B ({reference})",
    ]
    rejection = smtp.messages_to(email)[1]
    assert rejection["Message-ID"] == f"<{reference}.rejected@shop.example>"


async def test_lost_opportunity_rejects_after_qualifying(
    client: Client, worker: Worker, starter: OnboardingStarter, stores: Stores, smtp: SmtpSink
) -> None:
    """Qualify then lose: customers exist, opportunity lost, prospect rejected, no hierarchy."""
    request = make_request("en")
    email = request.contact.email
    handle = await start_until_lead(client, starter, request)
    reference = handle.id
    await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
    await handle.signal(
        OnboardingWorkflow.close_opportunity,
        OpportunityClosed.model_validate(
            {
                "decided_by": "sales.rep@shop.example",
                "decided_at": now(),
                "outcome": "lost",
                "reason": "Out-sold",
            }
        ),
    )
    state = await handle.result()
    ids = state.ids

    assert state.status is OnboardingStatus.REJECTED
    prospect = await rows.prospect(stores, reference)
    assert prospect is not None
    assert (prospect["status"], prospect["status_reason"]) == (
        "rejected",
        "opportunity lost: Out-sold",
    )
    commerce = await rows.commerce_rows(stores, ids)
    assert [c["customer_type"] for c in commerce["customers"]] == ["organization", "person"]
    assert commerce["customer_hierarchies"] == commerce["site_users"] == []
    assert commerce["credit_limits"] == []
    assert ids.lead_id is not None
    sales = await rows.sales_rows(stores, ids.lead_id)
    assert [r["status"] for r in sales["leads"]] == ["qualified"]
    assert [(o["status"], o["status_reason"]) for o in sales["opportunities"]] == [
        ("lost", "Out-sold")
    ]
    assert sales["timeline_notes"][-1]["body"] == (
        "Closed as lost (Out-sold) by sales.rep@shop.example."
    )
    assert subjects(smtp, email)[1:] == [
        f"Your business partner request to Contoso B2B ({reference})",
    ]
