"""Invitations for the fault suite: a partner organization, then invitations started while
the faults happen, as the web app starts them."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from devstack.smtp import SmtpSink
from domain.partner_users import NewUser
from plumbing.settings import Settings
from plumbing.temporal import connect_temporal
from starter.services.partner_user_forms import invitation_id
from tests.api_helpers import request_body
from workflows.invitation import InvitationWorkflow
from workflows.models import InvitationInput

INVITATIONS = 50


@dataclass(frozen=True)
class Host:
    hierarchy_id: str
    admin_email: str


async def _call(http: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    """The answer's JSON once the app answers 2xx; the host is set up before any fault, but
    perhaps before the web app listens."""
    while True:
        try:
            response = await http.request(method, path, **kwargs)
        except httpx.TransportError:
            await asyncio.sleep(0.2)
            continue
        if response.is_success:
            return response.json()
        assert response.status_code in (409, 503), response.text
        await asyncio.sleep(0.2)


async def _until(http: httpx.AsyncClient, path: str, key: str, staff: dict[str, str]) -> Any:
    while True:
        found = await _call(http, "GET", path, headers=staff)
        if found.get(key):
            return found
        await asyncio.sleep(0.2)


async def host_organization(http: httpx.AsyncClient, staff: dict[str, str], run: str) -> Host:
    """An approved partner whose admin invites the users."""
    email = f"host-{run}@example.com"
    submitted = await _call(
        http, "POST", "/api/onboarding-requests", json=request_body(email=email)
    )
    path = f"/api/onboarding-requests/{submitted['reference']}"
    lead = (await _until(http, path, "lead_id", staff))["lead_id"]
    await _call(http, "POST", f"/api/sales/leads/{lead}/qualify", headers=staff)
    opportunity = (await _until(http, path, "opportunity_id", staff))["opportunity_id"]
    await _call(
        http, "POST", f"/api/sales/opportunities/{opportunity}/close",
        json={"outcome": "won"}, headers=staff,
    )  # fmt: skip
    hierarchy = (await _until(http, path, "customer_hierarchy_id", staff))["customer_hierarchy_id"]
    return Host(hierarchy_id=hierarchy, admin_email=email)


def invitee(run: str, index: int) -> str:
    return f"inv-{run}-{index}@example.com"


async def invite_during_faults(temporal_address: str, host: Host, run: str) -> list[str]:
    """Start the invitations over the first half minute, retrying each start as the web app's
    user would while Temporal restarts; the run id per email makes a retry join the first."""
    client = await connect_temporal(
        Settings(onboarding_environment="dev", temporal_address=temporal_address)
    )
    emails = []
    for index in range(INVITATIONS):
        await asyncio.sleep(0.6)
        email = invitee(run, index)
        user = NewUser(
            hierarchy_id=host.hierarchy_id,
            customer_id=f"CUS-{uuid.uuid4().hex[:20]}",
            site_user_id=f"USR-{uuid.uuid4().hex[:20]}",
            first_name="Ken",
            last_name=f"No{index}",
            email=email,
            locale="en",
        )
        data = InvitationInput(
            user=user, company="Contoso", invited_by="Host Admin", inviter_email=host.admin_email
        )
        while True:
            try:
                await client.start_workflow(
                    InvitationWorkflow.run, data, id=invitation_id(host.hierarchy_id, email),
                    task_queue=Settings(onboarding_environment="dev").onboarding_task_queue,
                    id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                )  # fmt: skip
                break
            except RPCError:
                await asyncio.sleep(0.5)
        emails.append(email)
    return emails


async def invitation_emails(smtp: SmtpSink, emails: list[str]) -> dict[str, list[EmailMessage]]:
    """Each invitee's invitation emails, once every invitee has at least one."""
    async with asyncio.timeout(180):
        while True:
            found = {
                e: [m for m in smtp.messages_to(e) if "invites you" in str(m["Subject"])]
                for e in emails
            }
            if all(found.values()):
                return found
            await asyncio.sleep(0.5)


def repeats(found: dict[str, list[EmailMessage]]) -> Counter[str]:
    """Message-IDs that arrived more than once, with how many times."""
    counted = Counter(str(m["Message-ID"]) for messages in found.values() for m in messages)
    return Counter({mid: n for mid, n in counted.items() if n > 1})
