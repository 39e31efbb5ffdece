"""One person's side of an onboarding in the fault suites: the form, the staff decisions its
plan calls for, and reads until it is closed, each call retried as a careful client would."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.api_helpers import request_body
from tests.fault_stack import STAFF_TOKEN

STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}


@dataclass(frozen=True)
class Pacing:
    """When the drivers act: each starts `start_step` after the one before, and decides
    `(index * decide_step) % decide_within` seconds after it submitted, or once its lead
    exists if that takes longer."""

    start_step: float
    decide_step: float
    decide_within: float


class Driver:
    """Each call goes to the next of the web apps' `urls` in turn; a 503 (a server down for a
    moment) is counted in `errors` and tried again, anything else unexpected fails the test."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        urls: list[str],
        index: int,
        email: str,
        plan: str,
        pacing: Pacing,
        errors: Counter[int],
        on_lead: Callable[[], None] = lambda: None,
        on_closed: Callable[[], None] = lambda: None,
        company: dict[str, Any] | None = None,
    ) -> None:
        self.http, self.urls, self.index = http, urls, index
        self.email, self.plan, self.pacing, self.errors = email, plan, pacing, errors
        self.on_lead, self.on_closed = on_lead, on_closed
        self.calls = index
        # The company to submit instead of the default one (with identifiers, say).
        self.company = company

    @property
    def expected(self) -> str:
        return "approved" if self.plan == "won" else "rejected"

    async def call(self, method: str, path: str, ok: set[int], **kwargs: Any) -> dict[str, Any]:
        while True:
            self.calls += 1
            url = self.urls[self.calls % len(self.urls)] + path
            try:
                response = await self.http.request(method, url, **kwargs)
            except httpx.TransportError:
                await asyncio.sleep(0.5)
                continue
            if response.status_code in ok:
                body: dict[str, Any] = response.json()
                return body
            # While a server is down the app may only say "try again" (503), never fail (500).
            assert response.status_code == 503, (path, response.status_code, response.text)
            self.errors[response.status_code] += 1
            await asyncio.sleep(0.5)

    async def until(
        self, reference: str, ready: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        path = f"/api/onboarding-requests/{reference}"
        while True:
            onboarding = await self.call("GET", path, {200}, headers=STAFF)
            if ready(onboarding):
                return onboarding
            await asyncio.sleep(0.5)

    async def run(self) -> tuple[str, str]:
        pacing, loop = self.pacing, asyncio.get_running_loop()
        await asyncio.sleep(self.index * pacing.start_step)
        body = request_body(email=self.email)
        if self.company is not None:
            body["company"] = self.company
        submitted = await self.call(
            "POST",
            "/api/onboarding-requests",
            {202},
            json=body,
            headers={"Idempotency-Key": self.email},
        )
        reference = submitted["reference"]
        # Decisions spread out, so that some arrive while the faults happen.
        decide_at = loop.time() + (self.index * pacing.decide_step) % pacing.decide_within
        onboarding = await self.until(reference, lambda o: bool(o["lead_id"]))
        self.on_lead()
        await asyncio.sleep(max(0.0, decide_at - loop.time()))
        lead = f"/api/sales/leads/{onboarding['lead_id']}"
        if self.plan == "disqualify":
            reason = {"reason": "Lost"}
            await self.call("POST", f"{lead}/disqualify", {202, 409}, json=reason, headers=STAFF)
        else:
            await self.call("POST", f"{lead}/qualify", {202, 409}, headers=STAFF)
            onboarding = await self.until(reference, lambda o: bool(o["opportunity_id"]))
            close = {"outcome": "won"}
            if self.plan == "lost":
                close = {"outcome": "lost", "reason": "Out-sold"}
            opportunity = f"/api/sales/opportunities/{onboarding['opportunity_id']}"
            await self.call("POST", f"{opportunity}/close", {202, 409}, json=close, headers=STAFF)
        final = await self.until(reference, lambda o: bool(o["closed"]))
        self.on_closed()
        return reference, str(final["status"])
