"""Information requests in tests: one stored and told to its run, as the web app does it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from temporalio.client import WorkflowHandle

from accounts.request_links import new_salt, request_token
from accounts.tokens import token_hash
from commerce.information_requests import NewRequest
from domain.information_requests import InformationRequested
from plumbing.settings import Settings
from plumbing.stores import Stores
from workflows.models import OnboardingState
from workflows.onboarding import OnboardingWorkflow

# ONBOARDING_SHOP_TIME_ZONE of the tests' settings: a due date ends at its midnight.
SHOP_ZONE = ZoneInfo(Settings.model_fields["onboarding_shop_time_zone"].default)


async def ask(
    stores: Stores,
    settings: Settings,
    handle: WorkflowHandle[OnboardingWorkflow, OnboardingState],
    lead_id: str,
    now: datetime,
    wait: timedelta,
) -> tuple[str, str]:
    """A request stored for the lead, expiring `wait` after `now`, and told to the run; its
    id and its link's token."""
    request_id = f"IR-{uuid.uuid4().hex[:20]}"
    salt = new_salt()
    token = request_token(settings.onboarding_token_secret, request_id, salt)
    expires_at = now + wait
    due: date = (expires_at - timedelta(seconds=1)).date()
    await stores.commerce_store().information_requests.create(
        NewRequest(
            id=request_id,
            reference=handle.id,
            lead_id=lead_id,
            message="Please send your registration certificate.",
            documents=["registration_certificate"],
            due=due,
            expires_at=expires_at,
            created_by="sales.rep@shop.example",
            token_salt=salt,
            token_hash=token_hash(token),
        )
    )
    told = InformationRequested(
        request_id=request_id,
        requested_by="sales.rep@shop.example",
        requested_at=now,
        expires_at=expires_at,
        due=due,
        documents=["registration_certificate"],
    )
    await handle.execute_update(OnboardingWorkflow.request_information, told, id=request_id)
    return request_id, token


async def request_status(stores: Stores, request_id: str) -> str | None:
    status: str | None = await stores.commerce.fetchval(
        "SELECT status FROM information_requests WHERE id = $1", request_id
    )
    return status
