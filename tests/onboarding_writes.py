"""Drives one onboarding's writes step by step, each with the ids a workflow would choose."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest_asyncio

from activities.commerce import CommerceWrites
from activities.models import EmailKind, SendEmailInput
from activities.onboarding_models import (
    AddSiteUserInput,
    ApprovePartnerInput,
    CloseLeadInput,
    CreateCustomersInput,
    CreateHierarchyInput,
    CreateLeadInput,
    QualifyLeadInput,
    RecordProspectInput,
)
from activities.sales import SalesWrites
from domain.outcomes import CreditLimit, DisqualifyReason
from plumbing.settings import Settings
from plumbing.stores import Stores
from tests import rows
from tests.factories import make_request
from workers.worker import build_activities
from workflows.models import OnboardingIds


def _uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@pytest_asyncio.fixture(loop_scope="session", name="o")
async def onboarding(stores: Stores, settings: Settings) -> AsyncIterator[Onboarding]:
    """One onboarding to drive, its email activity closed afterwards. A fixture: a test
    module imports it and its tests ask for `o`."""
    driven = Onboarding(stores, settings)
    yield driven
    await driven.email.close()


class Onboarding:
    """A fresh set of ids, and the writes and email activity to drive one onboarding."""

    def __init__(self, stores: Stores, settings: Settings) -> None:
        self.commerce = CommerceWrites(stores.commerce_store())
        self.sales = SalesWrites(stores.sales_backend())
        self.email = build_activities(stores, settings).email
        self.stores, self.settings = stores, settings
        self.request = make_request("en")
        self.reference = _uid("B2B")
        self.ids = OnboardingIds(
            prospect_id=_uid("PRO"),
            lead_id=_uid("LEAD"),
            opportunity_id=_uid("OPP"),
            contact_id=_uid("CON"),
            account_id=_uid("ACC"),
            person_customer_id=_uid("CUS"),
            organization_customer_id=_uid("CUS"),
            customer_hierarchy_id=_uid("HIER"),
            site_user_id=_uid("USR"),
        )

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
            reference=self.reference,
            kind=kind,
            locale="en",
            to=self.request.contact.email,
            context={"first_name": "Aiko", "last_name": "Sato", "company": "Contoso Ltd"},
        )

    async def record(self) -> None:
        await self.commerce.record_prospect(
            RecordProspectInput(
                prospect_id=self.prospect_id,
                reference=self.reference,
                request=self.request,
                submitted_at=datetime.now(UTC),
            )
        )

    async def lead(self) -> None:
        await self.sales.create_lead(
            CreateLeadInput(
                lead_id=self.lead_id,
                prospect_id=self.prospect_id,
                reference=self.reference,
                request=self.request,
            )
        )

    async def qualify(self) -> None:
        await self.sales.qualify_lead(
            QualifyLeadInput(
                lead_id=self.lead_id,
                opportunity_id=self.opportunity_id,
                contact_id=self.contact_id,
                account_id=self.account_id,
                decided_by="rep",
            )
        )

    async def customers(self) -> None:
        await self.commerce.create_customers(
            CreateCustomersInput(
                prospect_id=self.prospect_id,
                person_customer_id=self.person_customer_id,
                organization_customer_id=self.organization_customer_id,
                sales_contact_id=self.contact_id,
                sales_account_id=self.account_id,
                request=self.request,
            )
        )


async def assert_repeat_changes_nothing(o: Onboarding, step: Callable[[], Awaitable[None]]) -> None:
    await step()
    first = await o.snapshot()
    await step()
    assert await o.snapshot() == first


def disqualify(o: Onboarding) -> CloseLeadInput:
    return CloseLeadInput(
        lead_id=o.lead_id, reason=DisqualifyReason.LOST, decided_by="rep", note="Disqualified."
    )


def approval_of(o: Onboarding, email: str) -> ApprovePartnerInput:
    return ApprovePartnerInput(
        prospect_id=o.prospect_id,
        hierarchy=CreateHierarchyInput(
            hierarchy_id=o.customer_hierarchy_id,
            name="Contoso Ltd",
            organization_customer_id=o.organization_customer_id,
            admin_customer_id=o.person_customer_id,
        ),
        credit_limit=CreditLimit(amount=Decimal("300000"), currency="JPY"),
        site_user=AddSiteUserInput(
            site_user_id=o.site_user_id,
            person_customer_id=o.person_customer_id,
            hierarchy_id=o.customer_hierarchy_id,
            email=email,
        ),
    )
