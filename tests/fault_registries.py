"""The registries in the fault suite: companies with corporate numbers the fakes know, the
registries down for 20 s while the onboardings run, and a watch on the evidence store that
tells whether a number was asked again once its check was kept."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
import httpx

from tests.fault_driver import STAFF
from tests.fault_stack import Stack, until_polling
from tests.registry_fakes import RegistryFakes
from tests.verification_helpers import company_with, seeded

# How many of the suite's onboardings give a corporate number.
VERIFYING = 50
OUTAGE = 20.0
UNREACHABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError)


def verified_company(fakes: RegistryFakes) -> dict[str, Any]:
    """A company whose corporate number the fakes hold under its name and address."""
    company: dict[str, Any] = company_with(**seeded(fakes, "verified")).model_dump(mode="json")
    return company


async def registry_outage(stack: Stack, fakes: RegistryFakes) -> None:
    """Every registry answers 503 for 20 s, from when the worker first polls."""
    await until_polling(stack)
    fakes.outage(True)
    stack.faults.append("registries down 20 s")
    await asyncio.sleep(OUTAGE)
    fakes.outage(False)


async def watch_checks(stack: Stack, fakes: RegistryFakes, stop: asyncio.Event) -> dict[str, int]:
    """For each number, how many registry calls had been made when its check was first seen
    kept: a later call for it would be a check made again once known. (Calls made while the
    store is read count as earlier ones, so the watch can miss a repeat, never invent one.)"""
    seen: dict[str, int] = {}
    while not stop.is_set():
        # PostgreSQL is stopped for a while during the suite: the watch waits it out.
        with contextlib.suppress(*UNREACHABLE):
            conn = await asyncpg.connect(
                stack.postgres.url("commerce"), server_settings={"search_path": "commerce"}
            )
            try:
                while not stop.is_set():
                    numbers = await conn.fetch("SELECT number FROM company_checks")
                    calls = len(fakes.calls)
                    for row in numbers:
                        seen.setdefault(row["number"], calls)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 0.2)
            finally:
                conn.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)
    return seen


def asked_again(fakes: RegistryFakes, seen: dict[str, int]) -> list[str]:
    """The numbers a registry was asked about after their check was kept."""
    return [
        call.query.get("number", "")
        for index, call in enumerate(fakes.calls)
        if call.registry == "nta_corporate"
        and call.query.get("number") in seen
        and index >= seen[call.query["number"]]
    ]


async def verdicts(http: httpx.AsyncClient, references: list[str]) -> dict[str, str]:
    """Each onboarding's verification status, as the staff API gives it."""
    found = {}
    for reference in references:
        response = await http.get(f"/api/onboarding-requests/{reference}", headers=STAFF)
        assert response.status_code == 200, response.text
        found[reference] = response.json()["verification"]["status"]
    return found
