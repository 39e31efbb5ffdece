"""Composition root: builds pools, clients and activities in one place and runs the worker."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from activities.accounts import AccountActivities
from activities.approvals import ApprovalActivities
from activities.commerce import CommerceWrites
from activities.credit import CreditActivities
from activities.housekeeping import HousekeepingActivities
from activities.information_requests import InformationRequestActivities, RequestLinks
from activities.mail.sender import EmailActivities, MailSettings
from activities.models import PurgeInput
from activities.onboarding_steps import OnboardingStepActivities
from activities.partner_recheck import PartnerRecheckActivities
from activities.partner_users import PartnerUserActivities
from activities.sales import SalesWrites
from activities.verification import VerificationActivities
from plumbing.logs import configure_logging
from plumbing.settings import Settings
from plumbing.stores import Stores, open_stores
from plumbing.temporal import connect_temporal
from plumbing.tracing import start_tracing
from workers.schedules import EVERY, ensure_housekeeping, ensure_partner_recheck
from workers.tuning import worker_options
from workflows.account_emails import AccountEmailWorkflow
from workflows.housekeeping import HousekeepingWorkflow
from workflows.invitation import InvitationWorkflow
from workflows.onboarding import OnboardingWorkflow
from workflows.partner_recheck import PartnerRecheckWorkflow
from workflows.purchase_approval import PurchaseApprovalWorkflow

WORKFLOWS: list[type] = [
    OnboardingWorkflow,
    AccountEmailWorkflow,
    InvitationWorkflow,
    PurchaseApprovalWorkflow,
    HousekeepingWorkflow,
    PartnerRecheckWorkflow,
]

log = logging.getLogger("workers")


@dataclass(frozen=True)
class ActivityGroups:
    steps: OnboardingStepActivities
    email: EmailActivities
    accounts: AccountActivities
    partner_users: PartnerUserActivities
    credit: CreditActivities
    approvals: ApprovalActivities
    housekeeping: HousekeepingActivities
    recheck: PartnerRecheckActivities
    information: InformationRequestActivities
    verification: VerificationActivities

    def registered(self) -> list[Callable[..., Any]]:
        """The ACTIVITIES list the worker registers."""
        return [
            self.steps.open_onboarding,
            self.steps.qualify_onboarding,
            self.steps.approve_onboarding,
            self.steps.close_onboarding,
            self.steps.send_onboarding_email,
            self.steps.publish_onboarding_state,
            self.email.send_email,
            self.accounts.plan_account_email,
            self.partner_users.create_invited_user,
            self.partner_users.invited_user_status,
            self.partner_users.move_invited_user,
            self.partner_users.admin_email,
            self.credit.expire_purchase,
            self.approvals.notify_deciders,
            self.housekeeping.purge_expired,
            *self.recheck.registered(),
            self.information.send_information_email,
            self.information.settle_information_request,
            self.information.close_information_requests,
            self.information.note_information_answer,
            self.verification.verify_company,
        ]

    async def __aenter__(self) -> ActivityGroups:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.email.close()
        await self.verification.close()


def build_activities(stores: Stores, settings: Settings) -> ActivityGroups:
    """Activities bound to their stores and clients; `async with` them to close the clients."""
    commerce_store = stores.commerce_store()
    email = EmailActivities(
        commerce_store.outbox,
        MailSettings(
            smtp_host=settings.smtp_host,
            smtp_port=settings.smtp_port,
            sender=settings.onboarding_mail_from,
            store_name=settings.onboarding_store_name,
            store_url=settings.onboarding_store_url,
            concurrent_sends=max(1, settings.database_pool_size // 2),
            activation_lifetime=settings.onboarding_activation_ttl,
            reset_lifetime=settings.onboarding_reset_ttl,
            acknowledgements_per_hour=settings.onboarding_acknowledgements_per_hour,
        ),
    )
    steps = OnboardingStepActivities(
        CommerceWrites(commerce_store),
        SalesWrites(stores.sales_backend()),
        email,
        commerce_store.onboarding_states,
    )
    return ActivityGroups(
        steps=steps,
        email=email,
        accounts=AccountActivities(commerce_store.accounts),
        partner_users=PartnerUserActivities(commerce_store),
        credit=CreditActivities(commerce_store),
        approvals=ApprovalActivities(
            commerce_store.approvals, email, settings.onboarding_store_url
        ),
        housekeeping=HousekeepingActivities(commerce_store),
        recheck=PartnerRecheckActivities(commerce_store.partner_flags, email, settings),
        information=InformationRequestActivities(
            commerce_store.information_requests,
            stores.documents(settings),
            email,
            stores.sales_backend(),
            RequestLinks(settings.onboarding_token_secret, settings.onboarding_store_url),
        ),
        verification=VerificationActivities(
            commerce_store.company_checks,
            stores.sales_backend(),
            httpx.AsyncClient(),
            settings.registry_settings(),
        ),
    )


def metrics_runtime(port: int) -> Runtime:
    """A Temporal runtime that serves the SDK's metrics for Prometheus on the port."""
    return Runtime(
        telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"0.0.0.0:{port}"))
    )


def build_worker(
    client: Client,
    task_queue: str,
    activities: ActivityGroups,
    settings: Settings | None = None,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities.registered(),
        **worker_options(settings),
    )


@contextlib.asynccontextmanager
async def running_worker(
    client: Client, task_queue: str, stores: Stores, settings: Settings
) -> AsyncIterator[Worker]:
    """A polling worker with its activities; their clients close only after it has stopped."""
    async with (
        build_activities(stores, settings) as activities,
        build_worker(client, task_queue, activities, settings) as worker,
    ):
        yield worker


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set, then let running activities finish and exit."""
    runtime = None
    if settings.onboarding_metrics_port:
        runtime = metrics_runtime(settings.onboarding_metrics_port)
        log.info("Prometheus metrics on port %s", settings.onboarding_metrics_port)
    client = await connect_temporal(settings, runtime)
    async with (
        open_stores(settings) as stores,
        running_worker(client, settings.onboarding_task_queue, stores, settings),
    ):
        log.info("worker polling task queue %s", settings.onboarding_task_queue)
        purge = PurgeInput(session_idle=settings.onboarding_session_idle)
        if await ensure_housekeeping(client, settings.onboarding_task_queue, purge):
            log.info("housekeeping scheduled every %s", EVERY)
        await ensure_partner_recheck(client, settings.onboarding_task_queue)
        await stop.wait()
        log.info("shutting down")


@contextlib.contextmanager
def stopping_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop` inside the block. The default handlers return after it:
    uvloop leaves its own in place when its loop closes, which would ignore them."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def run_event_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run `main` on uvloop where it is installed: every exchange with Temporal, the stores
    and the SMTP server passes through the event loop, and uvloop's costs less CPU each."""
    try:
        import uvloop
    except ImportError:  # not built for every platform
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def main() -> None:
    configure_logging()
    settings = Settings.from_environment()
    start_tracing("worker")
    # The imports' objects live as long as the process: frozen, a full collection no longer
    # walks them all again, a pause of every workflow task and activity of 70 to 120 ms.
    gc.collect()
    gc.freeze()

    async def run() -> None:
        stop = asyncio.Event()
        with stopping_on_signals(stop):
            await serve(settings, stop)

    run_event_loop(run())
