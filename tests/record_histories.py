"""Record workflow histories from real runs into tests/histories/ for the replay test: one
per ending of the onboarding (approved, rejected by a disqualify, rejected as lost, expired, and
an approval blocked by the requester's email: rejected by staff, or retried and approved).

Run by hand when the workflow's shape changes on purpose: `python -m tests.record_histories`.
`python -m tests.record_histories verification` records only the company verification's
runs; `... information` only the information requests' runs; `... approvals` only the
purchase approval's runs. Before the first release there is one shape ("v1"): record it
afresh. After a release, a change to a running shape goes behind `workflow.patched`, and the
files of the shapes still running stay (docs/releases.md).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from devstack.binaries import executable
from devstack.postgres import EmbeddedPostgres
from devstack.smtp import SmtpSink
from devstack.temporal import TemporalDevServer
from domain.partner_users import NewUser
from plumbing.settings import Settings
from plumbing.stores import Stores, open_stores
from starter.services.start import OnboardingStarter, new_reference
from tests.approval_records import record_approvals
from tests.factories import (
    disqualified,
    invited_under,
    make_request,
    qualified,
    start_until_lead,
    wait_for_state,
)
from tests.information_records import record_information, record_information_expired
from tests.registry_fakes import RegistryFakes, serve_registry_fakes
from tests.verification_helpers import request_with, seeded
from workers.worker import build_activities, build_worker
from workflows.models import (
    BlockedApprovalResolved,
    OnboardingInput,
    OnboardingPolicy,
    OnboardingState,
    OnboardingStatus,
    OpportunityClosed,
)
from workflows.onboarding import OnboardingWorkflow

HISTORIES = Path(__file__).parent / "histories"
# Names the workflow's shape in the file names; bump it with each patch.
SHAPE = "v1"
TASK_QUEUE = "record-histories"


Handle = WorkflowHandle[OnboardingWorkflow, OnboardingState]


def closed(outcome: str, reason: str | None = None) -> OpportunityClosed:
    return OpportunityClosed.model_validate(
        {"decided_by": "rep", "decided_at": datetime.now(UTC), "outcome": outcome, "reason": reason}
    )


def resolved(action: Literal["retry", "reject"]) -> BlockedApprovalResolved:
    return BlockedApprovalResolved(decided_by="staff", decided_at=datetime.now(UTC), action=action)


async def save(
    handle: WorkflowHandle[Any, OnboardingState], name: str, shape: str = SHAPE
) -> OnboardingState:
    state = await handle.result()
    history = await handle.fetch_history()
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    (HISTORIES / f"{stamp}-{shape}-{name}.json").write_text(history.to_json())
    print("recorded", name)
    return state


async def record_on_dev_server(client: Client, starter: OnboardingStarter, stores: Stores) -> None:
    async def started(locale: Literal["ja", "en"]) -> Handle:
        return await start_until_lead(client, starter, make_request(locale))

    async def blocked(hierarchy_id: str) -> tuple[Handle, NewUser]:
        """A won onboarding whose requester's email a site user took before the approval."""
        request = make_request("en")
        handle = await start_until_lead(client, starter, request)
        holder = await invited_under(stores, hierarchy_id, request.contact.email)
        await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
        await handle.signal(OnboardingWorkflow.close_opportunity, closed("won"))
        await wait_for_state(handle, lambda s: s.status is OnboardingStatus.APPROVAL_BLOCKED)
        return handle, holder

    handle = await started("ja")
    await handle.signal(OnboardingWorkflow.close_opportunity, closed("won"))
    await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
    await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
    await handle.signal(OnboardingWorkflow.close_opportunity, closed("won"))
    partner = (await save(handle, "approved-with-ignored-signals")).ids.customer_hierarchy_id
    assert partner is not None

    handle = await started("en")
    await handle.signal(OnboardingWorkflow.disqualify_lead, disqualified("Lost"))
    await save(handle, "disqualified")

    handle = await started("en")
    await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
    await handle.signal(OnboardingWorkflow.close_opportunity, closed("lost", "Out-sold"))
    await save(handle, "lost")

    handle, _ = await blocked(partner)
    await handle.execute_update(OnboardingWorkflow.resolve_blocked_approval, resolved("reject"))
    await save(handle, "blocked-rejected")

    # A retry while the address is still held, blocked again; then one once it is free.
    handle, holder = await blocked(partner)
    await handle.execute_update(OnboardingWorkflow.resolve_blocked_approval, resolved("retry"))
    removed = await stores.commerce_store().memberships.move(
        partner, holder.site_user_id, "removed", "Admin", f"record:{uuid.uuid4().hex}"
    )
    assert removed == "removed"
    await handle.execute_update(OnboardingWorkflow.resolve_blocked_approval, resolved("retry"))
    await save(handle, "blocked-retried-approved")


async def record_verification(
    client: Client, starter: OnboardingStarter, stores: Stores, fakes: RegistryFakes
) -> None:
    """The company verification beside the waits: done before the decision; and still
    retrying an unavailable registry when a disqualify ends the run."""
    handle = await start_until_lead(client, starter, request_with(**seeded(fakes, "verified")))
    async with asyncio.timeout(60):
        while not any(  # noqa: ASYNC110 - the history is read, not awaited
            event.HasField("activity_task_completed_event_attributes")
            for event in (await handle.fetch_history()).events
        ):
            await asyncio.sleep(0.2)
    await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
    await handle.signal(OnboardingWorkflow.close_opportunity, closed("won"))
    await save(handle, "verified-approved")

    fakes.outage(True)
    try:
        request = request_with(**seeded(fakes, "verified"))
        handle = await start_until_lead(client, starter, request)
        checks = stores.commerce_store().company_checks
        async with asyncio.timeout(60):
            while (evidence := await checks.evidence(handle.id)) is None or not evidence.progress:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        await handle.signal(OnboardingWorkflow.disqualify_lead, disqualified("Lost"))
        await save(handle, "disqualified-while-pending")
    finally:
        fakes.outage(False)


async def main(only: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        postgres = EmbeddedPostgres(Path(tmp) / "pg")
        postgres.start()
        smtp = SmtpSink()
        smtp.start()
        server = TemporalDevServer(Path(tmp) / "temporal.db")
        server.start()
        try:
            async with serve_registry_fakes() as fakes:
                registries = fakes.settings
                settings = Settings(
                    onboarding_environment="dev",
                    temporal_address=server.address,
                    commerce_database_url=postgres.url("commerce"),
                    sales_database_url=postgres.url("sales"),
                    smtp_host="127.0.0.1",
                    smtp_port=smtp.port,
                    onboarding_nta_corporate_api_url=registries.nta_corporate_url,
                    onboarding_nta_invoice_api_url=registries.nta_invoice_url,
                    onboarding_vies_api_url=registries.vies_url,
                    onboarding_nta_application_id=registries.nta_application_id,
                )
                async with (
                    open_stores(settings) as stores,
                    build_activities(stores, settings) as activities,
                ):
                    client = await Client.connect(
                        server.address, data_converter=pydantic_data_converter
                    )
                    starter = OnboardingStarter(
                        client, stores.commerce, TASK_QUEUE, settings.policy()
                    )
                    async with build_worker(client, TASK_QUEUE, activities):
                        if only is None:
                            await record_on_dev_server(client, starter, stores)
                        if only in (None, "verification"):
                            await record_verification(client, starter, stores, fakes)
                        if only in (None, "information"):
                            await record_information(client, starter, stores, settings, save)
                    if only == "verification":
                        return
                    env = await WorkflowEnvironment.start_time_skipping(
                        data_converter=pydantic_data_converter,
                        test_server_existing_path=executable("temporal-test-server"),
                    )
                    async with env, build_worker(env.client, TASK_QUEUE, activities):
                        if only in (None, "information"):
                            await record_information_expired(env, stores, settings, save)
                        if only == "information":
                            return
                        if only in (None, "approvals"):
                            await record_approvals(env, TASK_QUEUE, stores, HISTORIES)
                        if only == "approvals":
                            return
                        reference = new_reference()
                        handle = await env.client.start_workflow(
                            OnboardingWorkflow.run,
                            OnboardingInput(
                                reference=reference,
                                request=make_request("ja"),
                                policy=OnboardingPolicy(track_search_attributes=False),
                            ),
                            id=reference,
                            task_queue=TASK_QUEUE,
                        )
                        await save(handle, "expired-after-reminders")
        finally:
            server.stop()
            smtp.stop()
            postgres.stop()


if __name__ == "__main__":
    asyncio.run(main(only=sys.argv[1] if sys.argv[1:] else None))
