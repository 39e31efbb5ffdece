"""The shop-wide ceiling on acknowledgement emails: past it a request is still recorded and its
acknowledgement goes out in a later hour; none is dropped."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mail.ceiling import DEFERRED, hour_of
from activities.mail.sender import EmailActivities, MailSettings
from activities.models import EmailKind, SendEmailInput
from commerce.outbox import EmailOutbox
from devstack.smtp import SmtpSink
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.app import create_app
from tests.api_helpers import poll, request_body, submitted_lead
from tests.attempt_envs import attempt_env
from tests.conftest import WebApp, serving
from tests.factories import make_request, unique_email, unique_reference
from workers.worker import running_worker


def now() -> datetime:
    return datetime.now(UTC)


def unused_hour() -> datetime:
    """An hour no other test's acknowledgement falls in: the ceiling counts shop-wide."""
    return datetime(2100, 1, 1, tzinfo=UTC) + timedelta(hours=uuid.uuid4().int % 1_000_000)


def acknowledgement() -> SendEmailInput:
    request = make_request("en", unique_email())
    return SendEmailInput.about_request(
        unique_reference(), request, EmailKind.ACKNOWLEDGEMENT, to=request.contact.email
    )


def running_for(scheduled: datetime, *, local: bool = False) -> ActivityEnvironment:
    """An attempt of a call scheduled then, a day long (a minute for a local one)."""
    return attempt_env(local=local, scheduled=scheduled)


class OneAnHour:
    """The email activities with a ceiling of one acknowledgement an hour, on a clock (`now`)
    that starts half past an hour nobody else uses and that the test moves."""

    def __init__(self, outbox: EmailOutbox, settings: Settings) -> None:
        self.now = unused_hour() + timedelta(minutes=30)
        mail = MailSettings(
            smtp_host=settings.smtp_host,
            smtp_port=settings.smtp_port,
            sender="noreply@shop.example",
            store_name="Contoso B2B",
            store_url="https://shop.contoso.example",
            acknowledgements_per_hour=1,
        )
        self.email = EmailActivities(outbox, mail, clock=lambda: self.now)


@pytest_asyncio.fixture(loop_scope="session")
async def one_an_hour(stores: Stores, settings: Settings) -> AsyncIterator[OneAnHour]:
    ceiling = OneAnHour(stores.commerce_store().outbox, settings)
    yield ceiling
    await ceiling.email.close()


async def test_places_fill_the_hours_in_order(stores: Stores) -> None:
    """With two places an hour, three emails take the hour, the hour and the next; a retry
    keeps its place."""
    outbox, hour = stores.commerce_store().outbox, unused_hour()
    ids = [f"<{uuid.uuid4().hex}@shop.example>" for _ in range(3)]
    places = [await outbox.acknowledgement_hour(i, 2, hour) for i in ids]
    again = await outbox.acknowledgement_hour(ids[0], 2, hour)
    assert places == [hour, hour, hour + timedelta(hours=1)]
    assert again == hour


async def test_takers_at_once_never_overfill_an_hour(stores: Stores) -> None:
    """Twenty acknowledgements placed at once, three an hour: seven hours in a row, none over."""
    outbox, hour = stores.commerce_store().outbox, unused_hour()
    ids = [f"<{uuid.uuid4().hex}@shop.example>" for _ in range(20)]
    places = await asyncio.gather(*(outbox.acknowledgement_hour(i, 3, hour) for i in ids))
    per_hour = Counter((place - hour) // timedelta(hours=1) for place in places)
    assert per_hour == {0: 3, 1: 3, 2: 3, 3: 3, 4: 3, 5: 3, 6: 2}


async def test_past_the_ceiling_an_acknowledgement_waits_for_the_next_hour(
    one_an_hour: OneAnHour, smtp: SmtpSink
) -> None:
    """The hour's second acknowledgement asks Temporal to retry when the next hour begins,
    sending nothing; then it goes out."""
    send = one_an_hour.email.send_email
    first, second = acknowledgement(), acknowledgement()
    env = running_for(now())
    await env.run(send, first)
    with pytest.raises(ApplicationError) as deferred:
        await env.run(send, second)
    assert deferred.value.type == DEFERRED
    assert deferred.value.next_retry_delay == timedelta(minutes=30)
    assert smtp.messages_to(second.to) == []
    one_an_hour.now += timedelta(minutes=30)
    await env.run(send, second)
    assert len(smtp.messages_to(first.to)) == len(smtp.messages_to(second.to)) == 1


async def test_a_local_attempt_waits_no_longer_than_its_call(
    one_an_hour: OneAnHour,
) -> None:
    """A local attempt's wait ends with its call, so a regular activity takes over the wait."""
    send = one_an_hour.email.send_email
    await running_for(now()).run(send, acknowledgement())
    with pytest.raises(ApplicationError) as deferred:
        await running_for(now(), local=True).run(send, acknowledgement())
    assert deferred.value.next_retry_delay == timedelta(minutes=1)


async def test_an_acknowledgement_goes_out_before_its_call_would_give_up(
    one_an_hour: OneAnHour, smtp: SmtpSink
) -> None:
    """A wait longer than its call has left is cut short: the email goes over the ceiling
    rather than being dropped."""
    send = one_an_hour.email.send_email
    await running_for(now()).run(send, acknowledgement())
    late = acknowledgement()
    nearly_over = now() - timedelta(days=1) + timedelta(minutes=5)
    await running_for(nearly_over).run(send, late)
    assert len(smtp.messages_to(late.to)) == 1


@contextlib.asynccontextmanager
async def past_the_ceiling(
    client: Client, stores: Stores, web: WebApp
) -> AsyncIterator[tuple[httpx.AsyncClient, WebApp]]:
    """A web app and a worker of their own, with a ceiling of one acknowledgement an hour and
    the places of this hour and the next taken: a request's acknowledgement waits two hours
    at least, even if an hour begins meanwhile. A client of the app, and the app."""
    queue = f"ceiling-{uuid.uuid4().hex[:8]}"
    settings = web.settings.model_copy(
        update={"onboarding_acknowledgements_per_hour": 1, "onboarding_task_queue": queue}
    )
    outbox = stores.commerce_store().outbox
    for _ in range(2):
        await outbox.acknowledgement_hour(f"<{uuid.uuid4().hex}@shop.example>", 1, hour_of(now()))
    async with (
        running_worker(client, queue, stores, settings),
        serving(create_app(settings, web.staff_token)) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        yield http, WebApp(url, web.staff_token, settings)


async def test_a_request_past_the_ceiling_is_recorded_and_its_email_waits(
    client: Client, stores: Stores, web: WebApp, smtp: SmtpSink
) -> None:
    """Accepted (202) and its lead made, while its acknowledgement holds a later hour's place."""
    body = request_body()
    async with past_the_ceiling(client, stores, web) as (http, here):
        response = await http.post("/api/onboarding-requests", json=body)
        assert response.status_code == 202, response.text
        reference = response.json()["reference"]
        onboarding = await poll(http, here, f"/api/onboarding-requests/{reference}", "lead_id")
        place = await placed(stores, f"<{reference}.acknowledgement@shop.example>")
    assert onboarding["lead_id"]
    assert place > now()
    assert smtp.messages_to(body["contact"]["email"]) == []


async def test_a_held_back_acknowledgement_does_not_hold_the_decision(
    client: Client, stores: Stores, web: WebApp, smtp: SmtpSink
) -> None:
    """The lead is qualified and its opportunity made while the acknowledgement still waits
    for a later hour."""
    async with past_the_ceiling(client, stores, web) as (http, here):
        reference, lead_id = await submitted_lead(http, here)
        qualify = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=here.staff())
        assert qualify.status_code == 202, qualify.text
        path = f"/api/onboarding-requests/{reference}"
        onboarding = await poll(http, here, path, "opportunity_id")
        place = await placed(stores, f"<{reference}.acknowledgement@shop.example>")
    assert onboarding["status"] == "qualified"
    assert place > now()


async def placed(stores: Stores, message_id: str) -> datetime:
    """The hour the acknowledgement took, once its activity has run."""
    async with asyncio.timeout(30):
        while True:
            place: datetime | None = await stores.commerce.fetchval(
                "SELECT hour FROM acknowledgement_places WHERE message_id = $1", message_id
            )
            if place is not None:
                return place
            await asyncio.sleep(0.05)
