"""The account emails the web app asks for (a link to set a password, a notice that the
password or the admin role changed): each is a run of AccountEmailWorkflow of its own."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from temporalio.client import Client

from workflows.account_emails import AccountEmailWorkflow
from workflows.models import AccountEmailRequest

log = logging.getLogger(__name__)


async def start_account_email(
    client: Client, task_queue: str, email: AccountEmailRequest, workflow_id: str | None = None
) -> None:
    """Start the email's run, under `workflow_id` when a retry must not send it twice."""
    await client.start_workflow(
        AccountEmailWorkflow.run,
        email,
        id=workflow_id or f"account-email-{email.purpose}-{uuid.uuid4().hex}",
        task_queue=task_queue,
        # Sending is worth a day's outage of the SMTP server, not more.
        execution_timeout=timedelta(days=1),
    )


async def send_notice(
    client: Client,
    task_queue: str,
    notice: AccountEmailRequest,
    done: str,
    workflow_id: str | None = None,
) -> None:
    """Tell the account's owner of what is `done` already: a notice that does not start is
    logged, never raised, so it cannot undo the answer of the page that did it."""
    try:
        await start_account_email(client, task_queue, notice, workflow_id)
    except Exception:
        log.exception("%s; notice not started", done)
