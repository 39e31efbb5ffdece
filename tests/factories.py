"""Requests and decisions with unique emails, so tests never see each other's data."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from temporalio.client import Client, WorkflowHandle

from domain.partner_users import NewUser
from domain.request import Address, Company, Contact, OnboardingRequest
from plumbing.stores import Stores
from starter.services.start import OnboardingStarter
from workflows.models import LeadDisqualified, LeadQualified, OnboardingState
from workflows.onboarding import OnboardingWorkflow


def unique_email(name: str = "aiko.sato") -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@contoso.example"


def unique_reference() -> str:
    """An onboarding reference nobody submitted, shaped like the ones the API makes."""
    return f"B2B-{uuid.uuid4().hex[:10].upper()}"


def make_request(locale: Literal["ja", "en"] = "ja", email: str | None = None) -> OnboardingRequest:
    return OnboardingRequest(
        company=Company(
            name="コントソ株式会社" if locale == "ja" else "Contoso Ltd",
            website="https://contoso.example",
            phone="+81 3 1234 5678",
            tax_id="T1234567890123",
            address=Address(
                line1="1-2-3 Marunouchi", city="Chiyoda-ku", postal_code="100-0005", country="JP"
            ),
        ),
        contact=Contact(
            first_name="愛子" if locale == "ja" else "Aiko",
            last_name="佐藤" if locale == "ja" else "Sato",
            email=email or unique_email(),
            phone="+81 90 1234 5678",
            job_title="Purchasing manager",
        ),
        comments="We buy 200 units a month.",
        locale=locale,
    )


def new_invitee(hierarchy_id: str, email: str | None = None) -> NewUser:
    """Ken Ito, a user to invite into the hierarchy, under ids nobody has."""
    return NewUser(
        hierarchy_id=hierarchy_id,
        customer_id=f"CUS-{uuid.uuid4().hex[:20]}",
        site_user_id=f"USR-{uuid.uuid4().hex[:20]}",
        first_name="Ken",
        last_name="Ito",
        email=email or unique_email("ken.ito"),
        locale="en",
    )


async def invited_under(stores: Stores, hierarchy_id: str, email: str) -> NewUser:
    """A site user invited under `email` into the hierarchy, written as the invitation's run
    writes it: the address is a site user's from then on."""
    user = new_invitee(hierarchy_id, email)
    invitation = f"invitation-{uuid.uuid4().hex}"
    await stores.commerce_store().partner_users.create_invited(
        user, invitation, "Admin", f"{invitation}:invited"
    )
    return user


def now() -> datetime:
    return datetime.now(UTC)


def qualified(by: str = "sales.rep@shop.example") -> LeadQualified:
    return LeadQualified(decided_by=by, decided_at=now())


def disqualified(reason: str = "Cannot contact") -> LeadDisqualified:
    return LeadDisqualified.model_validate(
        {"decided_by": "sales.rep@shop.example", "decided_at": now(), "reason": reason}
    )


async def start_until_lead(
    client: Client, starter: OnboardingStarter, request: OnboardingRequest
) -> WorkflowHandle[OnboardingWorkflow, OnboardingState]:
    """Start an onboarding and wait until its lead exists in Sales."""
    started = await starter.start(request)
    handle = client.get_workflow_handle_for(OnboardingWorkflow.run, started.reference)
    await wait_for_state(handle, lambda s: s.ids.lead_id is not None)
    return handle


async def wait_for_state(
    handle: WorkflowHandle[Any, Any],
    condition: Callable[[OnboardingState], bool],
    within: float = 30,
) -> OnboardingState:
    """Query until the workflow's state meets the condition; fail with the last state if not."""
    async with asyncio.timeout(within):
        while True:
            state = await handle.query(OnboardingWorkflow.state)
            if condition(state):
                return state
            await asyncio.sleep(0.05)
