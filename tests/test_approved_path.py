"""The approved path of the onboarding end to end on the Temporal dev server, PostgreSQL and
SMTP: every record the partner needs, and its emails."""

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
from tests.factories import make_request, now, qualified, start_until_lead, wait_for_state
from workflows.models import OnboardingStatus, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow


def subjects(smtp: SmtpSink, address: str) -> list[str]:
    return [str(m["Subject"]) for m in smtp.messages_to(address)]


async def test_approved_path_builds_the_partner(
    client: Client,
    worker: Worker,
    starter: OnboardingStarter,
    stores: Stores,
    smtp: SmtpSink,
    settings: Settings,
) -> None:
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
        "requested",
        "lead_qualified",
        "opportunity_won",
        "approved",
    ]
    assert await rows.prospect(stores, reference) == {
        "id": ids.prospect_id,
        "status": "approved",
        "status_reason": None,
        "company_name": "コントソ株式会社",
        "first_name": "愛子",
        "last_name": "佐藤",
        "email": email,
        "locale": "ja",
    }
    approval = smtp.messages_to(email)[1]
    text = approval.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"https://shop\.contoso\.example/activate\?token=([A-Za-z0-9_-]{43})\s", text)
    assert link is not None, text
    assert await rows.commerce_rows(stores, ids) == {
        "customers": [
            {
                "id": ids.organization_customer_id,
                "customer_type": "organization",
                "name": "コントソ株式会社",
                "email": None,
                "sales_record_id": ids.account_id,
            },
            {
                "id": ids.person_customer_id,
                "customer_type": "person",
                "name": "佐藤 愛子",
                "email": email,
                "sales_record_id": ids.contact_id,
            },
        ],
        "customer_hierarchies": [
            {
                "id": ids.customer_hierarchy_id,
                "name": "コントソ株式会社",
                "purpose": "B2B organization",
                "organization_customer_id": ids.organization_customer_id,
            },
        ],
        "customer_hierarchy_members": [{"customer_id": ids.person_customer_id, "role": "admin"}],
        "credit_limits": [
            {
                "customer_id": ids.organization_customer_id,
                "amount": Decimal("1000000.00"),
                "currency": "JPY",
            },
        ],
        "site_users": [
            {
                "id": ids.site_user_id,
                "customer_id": ids.person_customer_id,
                "hierarchy_id": ids.customer_hierarchy_id,
                "email": email,
                "status": "invited",
            },
        ],
        "account_tokens": [
            {
                "token_hash": token_hash(link[1]),
                "purpose": "activation",
                "unused": True,
                "lasts_a_week": True,
            },
        ],
    }
    assert ids.lead_id is not None
    sales = await rows.sales_rows(stores, ids.lead_id)
    assert sales["leads"] == [
        {
            "id": ids.lead_id,
            "status": "qualified",
            "status_reason": None,
            "origin": "Commerce B2B",
            "owner": None,
            "first_name": "愛子",
            "last_name": "佐藤",
            "email": email,
            "company_name": "コントソ株式会社",
            "decided_by": "sales.rep@shop.example",
        },
    ]
    assert sales["opportunities"] == [
        {
            "id": ids.opportunity_id,
            "status": "won",
            "status_reason": None,
            "account_id": ids.account_id,
            "contact_id": ids.contact_id,
            "decided_by": "sales.rep@shop.example",
        },
    ]
    assert sales["accounts"] == [{"id": ids.account_id, "name": "コントソ株式会社"}]
    assert sales["contacts"] == [
        {"id": ids.contact_id, "account_id": ids.account_id, "email": email}
    ]
    assert [(n["record_type"], n["note_key"]) for n in sales["timeline_notes"]] == [
        ("lead", "created"),
        ("lead", "qualified"),
        ("opportunity", "created"),
        ("opportunity", "closed"),
    ]
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
        "acknowledgement",
        "approved",
    ]
