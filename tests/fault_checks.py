"""What the fault suite checks once the faults are over: duplicate rows, row counts, working
activation links, which repeated emails a SIGKILLed worker explains, and which onboardings a
worker process took tasks of."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.message import EmailMessage

import asyncpg
from temporalio.client import Client

from accounts.tokens import token_hash
from tests.fault_stack import WORKER_DOWN, Process, Stack

DUPLICATE_QUERIES = {
    "commerce": [
        "SELECT reference FROM prospects GROUP BY reference HAVING count(*) > 1",
        "SELECT lower(email) FROM prospects WHERE email LIKE 'fault-%'"
        " GROUP BY 1 HAVING count(*) > 1",
        "SELECT prospect_id, customer_type FROM customers WHERE prospect_id IS NOT NULL"
        " GROUP BY 1, 2 HAVING count(*) > 1",
        "SELECT organization_customer_id FROM customer_hierarchies GROUP BY 1 HAVING count(*) > 1",
        "SELECT hierarchy_id FROM customer_hierarchy_members WHERE role = 'admin'"
        " GROUP BY 1 HAVING count(*) > 1",
        "SELECT lower(email) FROM customers WHERE customer_type = 'person'"
        " GROUP BY 1 HAVING count(*) > 1",
        "SELECT lower(email) FROM site_users GROUP BY 1 HAVING count(*) > 1",
        "SELECT reference, kind FROM email_outbox GROUP BY 1, 2 HAVING count(*) > 1",
    ],
    "sales": [
        "SELECT reference FROM leads GROUP BY reference HAVING count(*) > 1",
        "SELECT lead_id FROM opportunities GROUP BY lead_id HAVING count(*) > 1",
        "SELECT lead_id FROM accounts GROUP BY lead_id HAVING count(*) > 1",
        "SELECT lead_id FROM contacts GROUP BY lead_id HAVING count(*) > 1",
        "SELECT record_id, note_key FROM timeline_notes GROUP BY 1, 2 HAVING count(*) > 1",
    ],
}
EXPECTED_ROWS = {
    "prospects": "SELECT count(*) FROM prospects WHERE email LIKE 'fault-%'",
    "approved site users": "SELECT count(*) FROM site_users WHERE email LIKE 'fault-%'",
}


# How long before a SIGKILL an email the SMTP server took may still be unrecorded: the
# server's answer, then one step of a busy worker's event loop, then the commit.
KILL_WINDOW = 1.0


def sent_by_killed_worker(stack: Stack, message_id: str) -> bool:
    """Whether the email first arrived just before a SIGKILL, or while no worker ran after
    it: then the killed worker sent it (a busy sink may read the bytes after the kill), and
    its outbox transaction died with it."""
    arrived = stack.smtp.arrived_at(message_id)
    return arrived is not None and any(
        killed - KILL_WINDOW <= arrived < killed + WORKER_DOWN for killed in stack.worker_killed_at
    )


def arrivals_by_kill(stack: Stack, message_ids: Iterable[str]) -> dict[str, list[float]]:
    """For a failure's message: when each email first arrived, in seconds after each kill."""
    return {
        mid: [round(arrived - killed, 3) for killed in stack.worker_killed_at]
        for mid in message_ids
        if (arrived := stack.smtp.arrived_at(mid)) is not None
    }


async def duplicate_rows(stack: Stack) -> dict[str, list[str]]:
    """The rows each duplicate query found, by query; empty when there is none."""
    found: dict[str, list[str]] = {}
    for store, queries in DUPLICATE_QUERIES.items():
        conn = await asyncpg.connect(
            stack.postgres.url(store), server_settings={"search_path": store}
        )
        try:
            for sql in queries:
                if rows := await conn.fetch(sql):
                    found[sql] = [str(tuple(r)) for r in rows]
        finally:
            await conn.close()
    return found


async def count_rows(stack: Stack) -> dict[str, int]:
    conn = await asyncpg.connect(
        stack.postgres.url("commerce"), server_settings={"search_path": "commerce"}
    )
    try:
        return {name: int(await conn.fetchval(sql)) for name, sql in EXPECTED_ROWS.items()}
    finally:
        await conn.close()


async def working_links(stack: Stack, approvals: list[EmailMessage]) -> dict[str, int]:
    """For each approved admin (by address), how many of the activation links emailed work."""
    conn = await asyncpg.connect(
        stack.postgres.url("commerce"), server_settings={"search_path": "commerce"}
    )
    working: dict[str, int] = {}
    try:
        for message in approvals:
            text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            token = re.search(r"/activate\?token=([A-Za-z0-9_-]+)", text)
            works = token is not None and await conn.fetchval(
                """SELECT true FROM account_tokens WHERE token_hash = $1 AND used_at IS NULL
                   AND expires_at > now() AND purpose = 'activation'""",
                token_hash(token[1]),
            )
            recipient = str(message["To"])
            working[recipient] = working.get(recipient, 0) + (1 if works else 0)
    finally:
        await conn.close()
    return working


async def onboardings_worked_on_by(stack: Stack, worker: Process) -> int:
    """How many onboarding runs that worker process took a workflow or activity task of."""
    assert worker.proc is not None
    identity = f"{worker.proc.pid}@"
    client = await Client.connect(stack.temporal.address)
    count = 0
    async for run in client.list_workflows("WorkflowType = 'OnboardingWorkflow'"):
        history = await client.get_workflow_handle(run.id, run_id=run.run_id).fetch_history()
        if any(
            event.workflow_task_started_event_attributes.identity.startswith(identity)
            or event.activity_task_started_event_attributes.identity.startswith(identity)
            for event in history.events
        ):
            count += 1
    return count
