"""Every path of the onboarding end to end on the Temporal dev server, PostgreSQL and SMTP."""

from __future__ import annotations

import re
from decimal import Decimal

from temporalio.client import Client
from temporalio.worker import Worker

from accounts.tokens import token_hash
from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.services.start import OnboardingStarter
from tests import rows
from tests.factories import (
    disqualified,
    make_request,
    now,
    qualified,
    start_until_lead,
    wait_for_state,
)
from workflows.models import OnboardingStatus, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow


def subjects(smtp: SmtpSink, address: str) -> list[str]:
    return [str(m["Subject"]) for m in smtp.messages_to(address)]


async def test_approved_path_builds_the_partner(
    client: Client, worker: Worker, starter: OnboardingStarter, stores: Stores,
    smtp: SmtpSink, settings: Settings,
) -> None:  # fmt: skip
    """Qualify then win: prospect approved, hierarchy with its admin, credit, site user, email."""
    request = make_request("ja")
    email = request.contact.email
    handle = await start_until_lead(client, starter, request)
    reference = handle.id
    await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
    await wait_for_state(handle, lambda s: s.status is OnboardingStatus.QUALIFIED)
    await handle.signal(
        OnboardingWorkflow.close_opportunity,
        OpportunityClosed(decided_by="sales.rep@shop.example", decided_at=now(), outcome="won"),
    )
    state = await handle.result()
    ids = state.ids

    assert state.status is OnboardingStatus.APPROVED
    assert [h.event for h in state.history] == [
        "requested", "lead_qualified", "opportunity_won", "approved",
    ]  # fmt: skip
    assert await rows.prospect(stores, reference) == {
        "id": ids.prospect_id, "status": "approved", "status_reason": None,
        "company_name": "コントソ株式会社", "first_name": "愛子", "last_name": "佐藤",
        "email": email, "locale": "ja",
    }  # fmt: skip
    approval = smtp.messages_to(email)[1]
    text = approval.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"https://shop\.contoso\.example/activate\?token=([A-Za-z0-9_-]{43})\s", text)
    assert link is not None, text
    assert await rows.commerce_rows(stores, ids) == {
        "customers": [
            {"id": ids.organization_customer_id, "customer_type": "organization",
             "name": "コントソ株式会社", "email": None, "sales_record_id": ids.account_id},
            {"id": ids.person_customer_id, "customer_type": "person", "name": "佐藤 愛子",
             "email": email, "sales_record_id": ids.contact_id},
        ],
        "customer_hierarchies": [
            {"id": ids.customer_hierarchy_id, "name": "コントソ株式会社",
             "purpose": "B2B organization",
             "organization_customer_id": ids.organization_customer_id},
        ],
        "customer_hierarchy_members": [{"customer_id": ids.person_customer_id, "role": "admin"}],
        "credit_limits": [
            {"customer_id": ids.organization_customer_id, "amount": Decimal("1000000.00"),
             "currency": "JPY"},
        ],
        "site_users": [
            {"id": ids.site_user_id, "customer_id": ids.person_customer_id,
             "hierarchy_id": ids.customer_hierarchy_id, "email": email, "status": "invited"},
        ],
        "account_tokens": [
            {"token_hash": token_hash(link[1]), "purpose": "activation", "unused": True,
             "lasts_a_week": True},
        ],
    }  # fmt: skip
    assert ids.lead_id is not None
    sales = await rows.sales_rows(stores, ids.lead_id)
    assert sales["leads"] == [
        {"id": ids.lead_id, "status": "qualified", "status_reason": None,
         "origin": "Commerce B2B", "owner": None, "first_name": "愛子", "last_name": "佐藤",
         "email": email, "company_name": "コントソ株式会社",
         "decided_by": "sales.rep@shop.example"},
    ]  # fmt: skip
    assert sales["opportunities"] == [
        {"id": ids.opportunity_id, "status": "won", "status_reason": None,
         "account_id": ids.account_id, "contact_id": ids.contact_id,
         "decided_by": "sales.rep@shop.example"},
    ]  # fmt: skip
    assert sales["accounts"] == [{"id": ids.account_id, "name": "コントソ株式会社"}]
    assert sales["contacts"] == [
        {"id": ids.contact_id, "account_id": ids.account_id, "email": email}
    ]
    assert [(n["record_type"], n["note_key"]) for n in sales["timeline_notes"]] == [
        ("lead", "created"), ("lead", "qualified"),
        ("opportunity", "created"), ("opportunity", "closed"),
    ]  # fmt: skip
    assert f"Commerce prospect {ids.prospect_id}" in sales["timeline_notes"][0]["body"]

    assert subjects(smtp, email) == [
        f"ビジネスパートナーのお申し込みを受け付けました（{reference}）",
        "Contoso B2B ビジネスパートナーのお申し込みが承認されました",
    ]
    assert approval["Message-ID"] == f"<{reference}.approved@shop.example>"
    for expected in (
        "愛子",
        "佐藤",
        "コントソ株式会社",
        "Contoso B2B",
        "https://shop.contoso.example",
    ):
        assert expected in text
    assert [o["kind"] for o in await rows.outbox(stores, reference)] == [
        "acknowledgement", "approved",
    ]  # fmt: skip


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
        "rejected", "lead disqualified: No longer interested",
    )  # fmt: skip
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
            {"decided_by": "sales.rep@shop.example", "decided_at": now(),
             "outcome": "lost", "reason": "Out-sold"}
        ),
    )  # fmt: skip
    state = await handle.result()
    ids = state.ids

    assert state.status is OnboardingStatus.REJECTED
    prospect = await rows.prospect(stores, reference)
    assert prospect is not None
    assert (prospect["status"], prospect["status_reason"]) == (
        "rejected", "opportunity lost: Out-sold",
    )  # fmt: skip
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
