"""The in-process lanes that keep a busy organization's authorizations out of the database
until one of the two places in it is free."""

from __future__ import annotations

import asyncio

from commerce.credit_lanes import IN_DATABASE, OrganizationLanes


class Holders:
    """One turn per user, each holding its place until `done` lets them all go."""

    def __init__(self) -> None:
        self.inside: list[int] = []
        self.release = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    async def done(self) -> None:
        self.release.set()
        await asyncio.gather(*self.tasks)


async def _holders(lanes: OrganizationLanes, users: list[str]) -> Holders:
    holders = Holders()
    inside, release = holders.inside, holders.release

    async def hold(index: int, user: str) -> None:
        async with lanes.turn(user):
            inside.append(index)
            await release.wait()

    holders.tasks = [asyncio.create_task(hold(n, user)) for n, user in enumerate(users)]
    for _ in range(len(users) + 1):
        await asyncio.sleep(0)  # let every turn go as far as it can
    return holders


async def test_an_unseen_user_goes_straight_in() -> None:
    """Orders of a user whose organization is not known yet are not queued."""
    lanes = OrganizationLanes()
    held = await _holders(lanes, ["u-lanes-unseen"] * 5)
    assert len(held.inside) == 5
    await held.done()


async def test_a_known_organization_lets_two_in_at_once() -> None:
    """Once the user's organization is known, at most two of its orders are in at a time."""
    lanes = OrganizationLanes()
    lanes.learn("u-lanes-two", "org-lanes-two")
    held = await _holders(lanes, ["u-lanes-two"] * 5)
    assert len(held.inside) == IN_DATABASE
    await held.done()


async def test_users_of_one_organization_share_its_lane() -> None:
    """Two buyers of the same organization queue behind each other."""
    lanes = OrganizationLanes()
    lanes.learn("u-lanes-a", "org-lanes-shared")
    lanes.learn("u-lanes-b", "org-lanes-shared")
    held = await _holders(lanes, ["u-lanes-a", "u-lanes-b", "u-lanes-a"])
    assert held.inside == [0, 1]
    await held.done()


async def test_other_organizations_do_not_wait() -> None:
    """A full lane holds back no other organization's orders."""
    lanes = OrganizationLanes()
    users = [f"u-lanes-other-{n}" for n in range(4)]
    for n, user in enumerate(users):
        lanes.learn(user, f"org-lanes-other-{n}")
    held = await _holders(lanes, users)
    assert sorted(held.inside) == [0, 1, 2, 3]
    await held.done()


async def test_a_waiting_order_goes_in_when_one_leaves() -> None:
    """The third order of an organization goes in as soon as one of the first two is done."""
    lanes = OrganizationLanes()
    lanes.learn("u-lanes-next", "org-lanes-next")
    first_done = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with lanes.turn("u-lanes-next"):
            order.append("first in")
            await first_done.wait()
        order.append("first out")

    async def others(name: str, until: asyncio.Event) -> None:
        async with lanes.turn("u-lanes-next"):
            order.append(f"{name} in")
            await until.wait()

    forever = asyncio.Event()
    tasks = [
        asyncio.create_task(first()),
        asyncio.create_task(others("second", forever)),
        asyncio.create_task(others("third", forever)),
    ]
    for _ in range(4):
        await asyncio.sleep(0)
    assert order == ["first in", "second in"]
    first_done.set()
    for _ in range(4):
        await asyncio.sleep(0)
    assert order == ["first in", "second in", "first out", "third in"]
    forever.set()
    await asyncio.gather(*tasks)
