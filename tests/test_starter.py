"""One open onboarding per requester email, case-insensitive; a new one after the end."""

from __future__ import annotations

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from starter.services.start import AlreadyInProgress, OnboardingStarter
from tests.factories import (
    disqualified,
    make_request,
    start_until_lead,
    unique_email,
)
from workflows.onboarding import OnboardingWorkflow


async def test_second_request_for_an_open_email_is_refused(starter: OnboardingStarter) -> None:
    """Another request with the same email in other letter case names the open reference."""
    email = unique_email()
    first = await starter.start(make_request("en", email=email))
    with pytest.raises(AlreadyInProgress) as refused:
        await starter.start(make_request("ja", email=email.upper()))
    assert refused.value.reference == first.reference
    assert first.reference in str(refused.value)


async def test_same_request_again_returns_the_same_reference(starter: OnboardingStarter) -> None:
    """Submitting the identical request twice starts one onboarding."""
    request = make_request("en")
    first = await starter.start(request)
    again = await starter.start(request)
    assert (again.reference, again.created) == (first.reference, False)


async def test_email_may_apply_again_after_the_end(
    client: Client, worker: Worker, starter: OnboardingStarter
) -> None:
    """Once the first onboarding is rejected, the same email starts a new one."""
    email = unique_email()
    handle = await start_until_lead(client, starter, make_request("en", email=email))
    await handle.signal(OnboardingWorkflow.disqualify_lead, disqualified())
    await handle.result()
    second = await starter.start(make_request("en", email=email))
    assert second.created
    assert second.reference != handle.id
