"""Operators can filter runs in the Temporal UI by status and company name."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from starter.services.start import OnboardingStarter
from tests.factories import disqualified, make_request, start_until_lead
from workflows.onboarding import OnboardingWorkflow


async def wait_for_listing(client: Client, query: str, expected: list[str]) -> None:
    """Visibility is eventually consistent: list until the query finds the expected runs."""
    found: list[str] = []
    try:
        async with asyncio.timeout(30):
            while found != expected:
                found = [w.id async for w in client.list_workflows(query)]
                await asyncio.sleep(0.2)
    except TimeoutError:
        pytest.fail(f"{query!r} found {found}, expected {expected}")


async def test_status_and_company_are_searchable(
    client: Client, worker: Worker, starter: OnboardingStarter
) -> None:
    """A run is found by status pending while waiting, then by status rejected."""
    request = make_request("en")
    company = f"Visible Co {request.contact.email.split('.')[2][:10]}"
    request = request.model_copy(
        update={"company": request.company.model_copy(update={"name": company})}
    )
    handle = await start_until_lead(client, starter, request)
    by_company = f"CompanyName = '{company}'"
    await wait_for_listing(client, f"{by_company} AND OnboardingStatus = 'pending'", [handle.id])
    await handle.signal(OnboardingWorkflow.disqualify_lead, disqualified())
    await handle.result()
    await wait_for_listing(client, f"{by_company} AND OnboardingStatus = 'rejected'", [handle.id])
