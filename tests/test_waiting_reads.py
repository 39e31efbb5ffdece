"""Reads that wait for an onboarding's next state (If-None-Match with Prefer: wait) instead of
polling for it; and the announcements from Commerce that end the wait."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from temporalio.client import Client

from commerce.onboarding_states import PublishedState
from commerce.state_changes import StateChanges
from commerce.store import CommerceStore
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.api.waiting import entity_tags, preferred_wait
from starter.services.reads import MAX_WAIT, OnboardingReads, Read
from tests.api_helpers import submitted_lead
from tests.conftest import WebApp
from tests.factories import unique_reference
from tests.test_web_metrics import sample
from workflows.models import OnboardingIds, OnboardingState, OnboardingStatus


def published_state(reference: str) -> dict[str, Any]:
    state = OnboardingState(
        reference=reference,
        status=OnboardingStatus.PENDING,
        company_name="Waiting KK",
        ids=OnboardingIds(),
        history=[],
    )
    return state.model_dump(mode="json")


def path(reference: str) -> str:
    return f"/api/onboarding-requests/{reference}"


async def tagged(http: httpx.AsyncClient, web: WebApp, reference: str) -> str:
    response = await http.get(path(reference), headers=web.staff())
    assert response.status_code == 200
    return response.headers["ETag"]


async def test_a_read_with_the_tag_it_saw_is_not_modified(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """The tag a read gave, sent back in If-None-Match, gets 304 with that tag and no body."""
    reference, _ = await submitted_lead(http, web)
    etag = await tagged(http, web, reference)
    again = await http.get(path(reference), headers={**web.staff(), "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.content == b""


async def test_a_waiting_read_answers_with_the_decision(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """A read waiting on the lead's state answers with the qualified onboarding."""
    reference, lead_id = await submitted_lead(http, web)
    etag = await tagged(http, web, reference)
    waiting = await sample(http, "onboarding_web_reads_waiting")
    headers = {**web.staff(), "If-None-Match": etag, "Prefer": "wait=20"}
    read = asyncio.create_task(http.get(path(reference), headers=headers))
    async with asyncio.timeout(10):
        while await sample(http, "onboarding_web_reads_waiting") <= waiting:  # noqa: ASYNC110 - another process's gauge
            await asyncio.sleep(0.02)
    qualified = await http.post(f"/api/sales/leads/{lead_id}/qualify", headers=web.staff())
    assert qualified.status_code == 202
    answer = await read
    assert answer.status_code == 200
    assert answer.headers["Preference-Applied"] == "wait=20"
    assert answer.headers["ETag"] != etag
    assert answer.json()["status"] == "qualified"


async def test_a_waiting_read_with_nothing_new_is_not_modified(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """With no step in its wait, the read ends as 304 and says how long it waited."""
    reference, _ = await submitted_lead(http, web)
    etag = await tagged(http, web, reference)
    headers = {**web.staff(), "If-None-Match": etag, "Prefer": "wait=1"}
    answer = await http.get(path(reference), headers=headers)
    assert answer.status_code == 304
    assert answer.headers["Preference-Applied"] == "wait=1"
    assert answer.headers["ETag"] == etag


async def test_a_waiting_read_of_an_unknown_onboarding_is_404(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """Waiting for the first state of a reference nobody submitted ends in 404."""
    unknown = unique_reference()
    headers = {**web.staff(), "If-None-Match": '"0"', "Prefer": "wait=1"}
    answer = await http.get(path(unknown), headers=headers)
    assert answer.status_code == 404


async def test_a_malformed_preference_reads_at_once(http: httpx.AsyncClient, web: WebApp) -> None:
    """A Prefer the server cannot read is ignored: the read answers without waiting for it."""
    reference, _ = await submitted_lead(http, web)
    headers = {**web.staff(), "If-None-Match": '"0"', "Prefer": "wait=soon"}
    answer = await http.get(path(reference), headers=headers)
    assert answer.status_code == 200
    assert "Preference-Applied" not in answer.headers


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ('"3"', {"3"}),
        ('W/"3", "4"', {"3", "4"}),
        ("*", set()),
        ('"3", 4', set()),
        (None, set()),
    ],
)
def test_entity_tags_are_read_from_if_none_match(header: str | None, tags: set[str]) -> None:
    """Listed tags are read weak or strong; `*` or a malformed member lists none."""
    assert entity_tags(header) == tags


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("wait=5", 5.0),
        ("respond-async, WAIT = 7", 7.0),
        ("wait=600", 20.0),
        ('wait="2"; x=y', 2.0),
        ("wait=-1", None),
        ("handling=lenient", None),
        (None, None),
    ],
)
def test_the_wait_is_read_from_prefer(header: str | None, seconds: float | None) -> None:
    """`wait` is found among other preferences and capped; anything else asks no wait."""
    assert preferred_wait(header, 20.0) == seconds


async def test_a_published_state_wakes_its_watcher(stores: Stores, settings: Settings) -> None:
    """Publishing a state sets the event of a read watching that onboarding, not another's."""
    reference, other = unique_reference(), unique_reference()
    changes = StateChanges(settings.commerce_database_url)
    states = stores.commerce_store().onboarding_states
    try:
        async with changes.watch(reference) as mine, changes.watch(other) as theirs:
            await states.publish(reference, 1, published_state(reference))
            await asyncio.wait_for(mine.wait(), timeout=10)
            assert not theirs.is_set()
    finally:
        await changes.close()


class StatesAppearingLater:
    """Commerce's published states as a read finds them: none at its first look, version 1
    at every later one, so only a look after the first can see the step."""

    def __init__(self) -> None:
        self.looks = 0

    async def latest(self, reference: str) -> PublishedState | None:
        self.looks += 1
        return None if self.looks == 1 else PublishedState(1, published_state(reference))


async def test_a_waiting_read_without_a_listener_still_sees_the_step(client: Client) -> None:
    """With no listener (PostgreSQL unreachable for it), the read's rechecks find the new
    state long before its 20 seconds are up."""
    reference = unique_reference()
    deaf = StateChanges("postgresql://postgres@127.0.0.1:1/commerce")
    states = StatesAppearingLater()
    commerce = cast(CommerceStore, SimpleNamespace(onboarding_states=states))
    reads = OnboardingReads(client, commerce, deaf)
    async with asyncio.timeout(10):
        answer = await reads.read_changed(reference, frozenset({"0"}), MAX_WAIT)
    assert isinstance(answer, Read)
    assert answer.tag == "1"


async def test_a_lost_listener_listens_again(stores: Stores, settings: Settings) -> None:
    """When its connection is cut, watchers are woken, and the next watch hears again."""
    reference = unique_reference()
    changes = StateChanges(settings.commerce_database_url)
    states = stores.commerce_store().onboarding_states
    try:
        async with changes.watch(reference) as watching:
            await stores.commerce.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
            )
            await asyncio.wait_for(watching.wait(), timeout=10)
        async with changes.watch(reference) as watching:
            await states.publish(reference, 1, published_state(reference))
            await asyncio.wait_for(watching.wait(), timeout=10)
    finally:
        await changes.close()
