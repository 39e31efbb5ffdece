"""Integration check of a running system, as the seed asks of an installer.

Create a prospect on the B2B site, check that it is in "All prospects" and appears as a lead
in Sales, then erase it. Usage: `scripts/integration-check [BASE_URL]`.

With SALES_BACKEND=dataverse (and the app's DATAVERSE_* variables) the lead is looked up in
Dynamics 365 Sales itself, by its GUID, with the app's own credentials.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

Step = Callable[[], Awaitable[str]]
ODATA = {"OData-MaxVersion": "4.0", "OData-Version": "4.0", "Accept": "application/json"}


@dataclass(frozen=True)
class Dataverse:
    """Just enough of the Web API to read one lead: its own client, not the app's adapter."""

    url: str
    token_url: str
    client_id: str
    client_secret: str

    @classmethod
    def from_environment(cls) -> Dataverse | None:
        env = os.environ
        if env.get("SALES_BACKEND") != "dataverse":
            return None
        url = env["DATAVERSE_URL"].rstrip("/")
        token_url = env.get("DATAVERSE_TOKEN_URL") or (
            f"https://login.microsoftonline.com/{env['DATAVERSE_TENANT_ID']}/oauth2/v2.0/token"
        )
        return cls(url, token_url, env["DATAVERSE_CLIENT_ID"], env["DATAVERSE_CLIENT_SECRET"])

    async def lead(self, http: httpx.AsyncClient, lead_id: str) -> dict[str, Any]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": f"{self.url}/.default",
        }
        token = await http.post(self.token_url, data=form)
        token.raise_for_status()
        headers = {**ODATA, "Authorization": f"Bearer {token.json()['access_token']}"}
        response = await http.get(
            f"{self.url}/api/data/v9.2/leads({lead_id})?$select=subject", headers=headers
        )
        response.raise_for_status()
        row: dict[str, Any] = response.json()
        return row


class Check:
    def __init__(
        self, http: httpx.AsyncClient, token: str, dataverse: Dataverse | None = None
    ) -> None:
        self.http = http
        self.dataverse = dataverse
        self.staff = {"Authorization": f"Bearer {token}"}
        self.email = f"integration-check.{uuid.uuid4().hex[:10]}@example.com"
        self.reference: str | None = None

    async def healthy(self) -> str:
        response = await self.http.get("/healthz")
        response.raise_for_status()
        return "Temporal, Commerce and Sales reachable"

    async def submit(self) -> str:
        body = {
            "company": {"name": "Integration Check Ltd"},
            "contact": {"first_name": "Check", "last_name": "Integration", "email": self.email},
            "comments": "Created by the integration check; erased when it ends.",
            "locale": "en",
        }
        response = await self.http.post("/api/onboarding-requests", json=body)
        response.raise_for_status()
        self.reference = response.json()["reference"]
        return f"reference {self.reference}"

    async def _listed(self, path: str, key: str) -> dict[str, Any]:
        async with asyncio.timeout(15):
            while True:
                response = await self.http.get(path, headers=self.staff)
                response.raise_for_status()
                found: list[dict[str, Any]] = [
                    r for r in response.json() if r.get(key) == self.reference
                ]
                if found:
                    return found[0]
                await asyncio.sleep(0.2)

    async def in_all_prospects(self) -> str:
        prospect = await self._listed("/api/commerce/prospects?limit=500", "reference")
        return f"prospect {prospect['id']} is {prospect['status']}"

    async def lead_in_sales(self) -> str:
        if self.dataverse is not None:
            return await self.lead_in_dynamics(self.dataverse)
        lead = await self._listed("/api/sales/leads?view=commerce-b2b&limit=500", "reference")
        return f"lead {lead['id']} in All Commerce B2B leads, owner {lead['owner']}"

    async def lead_in_dynamics(self, dataverse: Dataverse) -> str:
        """The lead the app names, read from Dataverse with a token of the app's own."""
        onboarding = await self.http.get(
            f"/api/onboarding-requests/{self.reference}", headers=self.staff
        )
        onboarding.raise_for_status()
        async with asyncio.timeout(30):
            while not (
                leads := [r for r in onboarding.json()["sales_records"] if r["entity"] == "lead"]
            ):
                await asyncio.sleep(0.5)
                onboarding = await self.http.get(
                    f"/api/onboarding-requests/{self.reference}", headers=self.staff
                )
        lead = leads[0]["id"]
        row = await dataverse.lead(self.http, lead)
        return f"lead {lead} in Dynamics 365 Sales: {row['subject']}"

    async def clean_up(self) -> str:
        if self.reference is None:
            return "nothing to erase"
        response = await self.http.delete(
            f"/api/onboarding-requests/{self.reference}", headers=self.staff
        )
        response.raise_for_status()
        return f"erased {self.reference}"


async def run(base_url: str, token: str, dataverse: Dataverse | None = None) -> bool:
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as http:
        check = Check(http, token, dataverse)
        steps: list[tuple[str, Step]] = [
            ("the system is up", check.healthy),
            ("create a prospect on the B2B site", check.submit),
            ("it is in All prospects", check.in_all_prospects),
            ("it appears as a lead in Sales", check.lead_in_sales),
        ]
        ok = True
        for name, step in steps:
            ok = ok and await report(name, step)
        return await report("clean up", check.clean_up) and ok


async def report(name: str, step: Step) -> bool:
    try:
        detail = await step()
    except Exception as err:  # a check reports every failure instead of stopping
        print(f"FAIL  {name}: {type(err).__name__}: {err}", flush=True)
        return False
    print(f"PASS  {name}: {detail}", flush=True)
    return True


def main() -> int:
    base_url = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8000"
    token = os.environ.get("ONBOARDING_STAFF_TOKEN")
    token_file = Path(os.environ.get("ONBOARDING_DATA_DIR", ".data")) / "staff-token"
    if not token and token_file.exists():
        token = token_file.read_text().strip()
    if not token:
        print("set ONBOARDING_STAFF_TOKEN", file=sys.stderr)
        return 2
    # The app's own variables: with SALES_BACKEND=dataverse, its Dynamics 365 credentials.
    dataverse = Dataverse.from_environment()
    return 0 if asyncio.run(run(base_url, token, dataverse)) else 1


if __name__ == "__main__":
    sys.exit(main())
