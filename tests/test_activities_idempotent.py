"""Every activity run twice with the same input leaves the same rows and sends one email."""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.models import (
    AddSiteUserInput,
    ApprovePartnerInput,
    CloseLeadInput,
    CloseOpportunityInput,
    CloseProspectInput,
    CreateCustomersInput,
    CreateHierarchyInput,
    CreateLeadInput,
    EmailKind,
    QualifyLeadInput,
    RecordProspectInput,
    SendEmailInput,
    SetCreditLimitInput,
)
from commerce.outbox import EmailOutbox, OutboxEmail
from devstack.smtp import SmtpSink
from domain.outcomes import CreditLimit, DisqualifyReason, LostReason, ProspectStatus
from plumbing.settings import Settings
from plumbing.stores import Stores
from tests import rows
from tests.factories import make_request
from workers.worker import build_activities
from workflows.models import OnboardingIds

Snapshot = Callable[[], Awaitable[Any]]


def _uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class Onboarding:
    """A fresh set of ids and the activities to drive one onboarding step by step."""

    def __init__(self, stores: Stores, settings: Settings) -> None:
        groups = build_activities(stores, settings)
        self.commerce, self.sales, self.email = groups.commerce, groups.sales, groups.email
        self.stores, self.settings = stores, settings
        self.request = make_request("en")
        self.reference = _uid("B2B")
        self.ids = OnboardingIds(
            prospect_id=_uid("PRO"), lead_id=_uid("LEAD"), opportunity_id=_uid("OPP"),
            contact_id=_uid("CON"), account_id=_uid("ACC"), person_customer_id=_uid("CUS"),
            organization_customer_id=_uid("CUS"), customer_hierarchy_id=_uid("HIER"),
            site_user_id=_uid("USR"),
        )  # fmt: skip

    def __getattr__(self, name: str) -> str:
        value = getattr(self.ids, name)
        assert isinstance(value, str)
        return value

    async def snapshot(self) -> Any:
        return (
            await rows.prospect(self.stores, self.reference),
            await rows.commerce_rows(self.stores, self.ids),
            await rows.sales_rows(self.stores, self.lead_id),
            await rows.outbox(self.stores, self.reference),
        )

    def email_of(self, kind: EmailKind) -> SendEmailInput:
        return SendEmailInput(
            reference=self.reference, kind=kind, locale="en", to=self.request.contact.email,
            context={"first_name": "Aiko", "last_name": "Sato", "company": "Contoso Ltd"},
        )  # fmt: skip

    async def record(self) -> None:
        await self.commerce.record_prospect(
            RecordProspectInput(
                prospect_id=self.prospect_id, reference=self.reference, request=self.request,
                submitted_at=datetime.now(UTC),
            )
        )  # fmt: skip

    async def lead(self) -> None:
        await self.sales.create_lead(
            CreateLeadInput(
                lead_id=self.lead_id, prospect_id=self.prospect_id, reference=self.reference,
                request=self.request,
            )
        )  # fmt: skip

    async def qualify(self) -> None:
        await self.sales.qualify_lead(
            QualifyLeadInput(
                lead_id=self.lead_id, opportunity_id=self.opportunity_id,
                contact_id=self.contact_id, account_id=self.account_id, decided_by="rep",
            )
        )  # fmt: skip

    async def customers(self) -> None:
        await self.commerce.create_customers(
            CreateCustomersInput(
                prospect_id=self.prospect_id, person_customer_id=self.person_customer_id,
                organization_customer_id=self.organization_customer_id,
                sales_contact_id=self.contact_id, sales_account_id=self.account_id,
                request=self.request,
            )
        )  # fmt: skip

    async def hierarchy(self) -> None:
        await self.commerce.create_customer_hierarchy(
            CreateHierarchyInput(
                hierarchy_id=self.customer_hierarchy_id, name="Contoso Ltd",
                organization_customer_id=self.organization_customer_id,
                admin_customer_id=self.person_customer_id,
            )
        )  # fmt: skip


async def assert_repeat_changes_nothing(o: Onboarding, step: Callable[[], Awaitable[None]]) -> None:
    await step()
    first = await o.snapshot()
    await step()
    assert await o.snapshot() == first


@pytest_asyncio.fixture(loop_scope="session")
async def o(stores: Stores, settings: Settings) -> AsyncIterator[Onboarding]:
    onboarding = Onboarding(stores, settings)
    yield onboarding
    await onboarding.email.close()


async def test_record_prospect_twice(o: Onboarding) -> None:
    """A repeated prospect write keeps one pending prospect."""
    await assert_repeat_changes_nothing(o, o.record)
    prospect = await rows.prospect(o.stores, o.reference)
    assert prospect is not None
    assert prospect["status"] == "pending"


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
            CloseLeadInput(lead_id=o.lead_id, reason=DisqualifyReason.LOST, decided_by="rep",
                           note="Disqualified.")
        )  # fmt: skip

    await assert_repeat_changes_nothing(o, close)


def disqualify(o: Onboarding) -> CloseLeadInput:
    return CloseLeadInput(
        lead_id=o.lead_id, reason=DisqualifyReason.LOST, decided_by="rep", note="Disqualified."
    )


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
            CloseOpportunityInput(opportunity_id=o.opportunity_id, outcome="lost",
                                  reason=LostReason.OUT_SOLD, decided_by="rep")
        )  # fmt: skip

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


async def test_close_prospect_twice(o: Onboarding) -> None:
    """A repeated approval keeps the prospect approved."""
    await o.record()

    async def approve() -> None:
        await o.commerce.close_prospect(
            CloseProspectInput(prospect_id=o.prospect_id, status=ProspectStatus.APPROVED)
        )

    await assert_repeat_changes_nothing(o, approve)


async def test_create_customers_twice(o: Onboarding) -> None:
    """A repeated customer write keeps one person and one organization."""
    await o.record()
    await assert_repeat_changes_nothing(o, o.customers)
    commerce = await rows.commerce_rows(o.stores, o.ids)
    assert [c["customer_type"] for c in commerce["customers"]] == ["organization", "person"]


async def test_create_hierarchy_twice(o: Onboarding) -> None:
    """A repeated hierarchy write keeps one hierarchy with one admin."""
    await o.record()
    await o.customers()
    await assert_repeat_changes_nothing(o, o.hierarchy)
    commerce = await rows.commerce_rows(o.stores, o.ids)
    assert commerce["customer_hierarchy_members"] == [
        {"customer_id": o.person_customer_id, "role": "admin"}
    ]


async def test_set_credit_limit_twice(o: Onboarding) -> None:
    """A repeated credit limit write keeps one limit with the same amount."""
    await o.record()
    await o.customers()

    async def credit() -> None:
        await o.commerce.set_credit_limit(
            SetCreditLimitInput(
                organization_customer_id=o.organization_customer_id,
                credit_limit=CreditLimit(amount=Decimal("250000"), currency="USD"),
            )
        )

    await assert_repeat_changes_nothing(o, credit)


async def test_add_site_user_twice(o: Onboarding) -> None:
    """A repeated invitation keeps one invited site user."""
    await o.record()
    await o.customers()
    await o.hierarchy()

    async def invite() -> None:
        await o.commerce.add_site_user(
            AddSiteUserInput(
                site_user_id=o.site_user_id, person_customer_id=o.person_customer_id,
                hierarchy_id=o.customer_hierarchy_id, email=o.request.contact.email,
            )
        )  # fmt: skip

    await assert_repeat_changes_nothing(o, invite)


def approval_of(o: Onboarding, email: str) -> ApprovePartnerInput:
    return ApprovePartnerInput(
        prospect_id=o.prospect_id,
        hierarchy=CreateHierarchyInput(
            hierarchy_id=o.customer_hierarchy_id, name="Contoso Ltd",
            organization_customer_id=o.organization_customer_id,
            admin_customer_id=o.person_customer_id,
        ),
        credit_limit=CreditLimit(amount=Decimal("300000"), currency="JPY"),
        site_user=AddSiteUserInput(
            site_user_id=o.site_user_id, person_customer_id=o.person_customer_id,
            hierarchy_id=o.customer_hierarchy_id, email=email,
        ),
    )  # fmt: skip


async def test_approve_partner_twice(o: Onboarding) -> None:
    """A repeated approval keeps one approved prospect, hierarchy, limit and invited user."""
    await o.record()
    await o.customers()

    async def approve() -> None:
        await o.commerce.approve_partner(approval_of(o, o.request.contact.email))

    await assert_repeat_changes_nothing(o, approve)
    commerce = await rows.commerce_rows(o.stores, o.ids)
    prospect = await rows.prospect(o.stores, o.reference)
    assert prospect is not None
    assert prospect["status"] == "approved"
    assert [u["status"] for u in commerce["site_users"]] == ["invited"]


async def test_approve_partner_is_all_or_nothing(o: Onboarding) -> None:
    """When the admin's email already has a site user, the approval writes nothing at all:
    the prospect stays pending and no hierarchy or credit limit is left behind."""
    taken = Onboarding(o.stores, o.settings)
    await taken.record()
    await taken.customers()
    await taken.commerce.approve_partner(approval_of(taken, taken.request.contact.email))
    await o.record()
    await o.customers()
    before = await o.snapshot()
    with pytest.raises(ApplicationError) as refused:
        await o.commerce.approve_partner(approval_of(o, taken.request.contact.email.upper()))
    assert refused.value.non_retryable
    assert await o.snapshot() == before
    await taken.email.close()


async def test_send_email_twice_sends_once(o: Onboarding, smtp: SmtpSink) -> None:
    """A repeated email activity finds the outbox entry and sends nothing more."""
    email = o.email_of(EmailKind.ACKNOWLEDGEMENT)
    env = ActivityEnvironment()
    first = await env.run(o.email.send_email, email)
    second = await env.run(o.email.send_email, email)
    assert first == second == f"<{o.reference}.acknowledgement@shop.example>"
    assert [m["Message-ID"] for m in smtp.messages_to(o.request.contact.email)] == [first]
    assert [(r["kind"], r["sent"]) for r in await rows.outbox(o.stores, o.reference)] == [
        ("acknowledgement", True)
    ]


async def test_two_attempts_at_once_send_once(o: Onboarding, smtp: SmtpSink) -> None:
    """A stale attempt still running beside its retry: the outbox lets one of them send."""
    email = o.email_of(EmailKind.REJECTED)
    env = ActivityEnvironment()
    first, second = await asyncio.gather(
        env.run(o.email.send_email, email), env.run(o.email.send_email, email)
    )
    assert first == second
    assert [m["Message-ID"] for m in smtp.messages_to(o.request.contact.email)] == [first]


async def test_an_attempt_begun_before_another_sent_finds_it_sent(o: Onboarding) -> None:
    """An attempt begun before another's send, reaching the outbox after it, finds it sent."""
    db = o.stores.commerce
    outbox = EmailOutbox(db)
    entry = OutboxEmail(
        f"<{o.reference}.rejected@shop.example>", o.reference, "rejected", 0,
        o.request.contact.email, "Your request",
    )  # fmt: skip

    async def other_attempt() -> bool:
        async with outbox.sending(entry) as sent_before:
            return sent_before

    async with db.transaction():
        await db.fetchval("SELECT 1")  # this attempt's transaction has begun
        # A fresh context: the other attempt takes its own connection, not this transaction's.
        other = asyncio.create_task(other_attempt(), context=contextvars.Context())
        assert await other is False
        async with outbox.sending(entry) as sent_before:
            assert sent_before is True
