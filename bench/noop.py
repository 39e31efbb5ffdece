"""The reference's worker: the fixed reference shape (bench/reference.py) with activities of
the same names that do nothing, and the engine's floor (bench/floor_shape.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from temporalio import activity

from activities.models import SendEmailInput
from activities.onboarding_models import (
    AddSiteUserInput,
    CloseLeadInput,
    CloseOpportunityInput,
    CloseProspectInput,
    CreateCustomersInput,
    CreateHierarchyInput,
    CreateLeadInput,
    QualifyLeadInput,
    RecordProspectInput,
)
from bench.floor_shape import FloorShape
from bench.reference import ReferenceShape
from bench.reference_inputs import SetCreditLimitInput
from plumbing.settings import Settings
from plumbing.temporal import connect_temporal
from workers.tuning import worker_options
from workers.worker import run_event_loop, stopping_on_signals


@activity.defn(name="record_prospect")
async def record_prospect(data: RecordProspectInput) -> None: ...


@activity.defn(name="close_prospect")
async def close_prospect(data: CloseProspectInput) -> None: ...


@activity.defn(name="create_customers")
async def create_customers(data: CreateCustomersInput) -> None: ...


@activity.defn(name="create_customer_hierarchy")
async def create_customer_hierarchy(data: CreateHierarchyInput) -> None: ...


@activity.defn(name="set_credit_limit")
async def set_credit_limit(data: SetCreditLimitInput) -> None: ...


@activity.defn(name="add_site_user")
async def add_site_user(data: AddSiteUserInput) -> None: ...


@activity.defn(name="create_lead")
async def create_lead(data: CreateLeadInput) -> None: ...


@activity.defn(name="qualify_lead")
async def qualify_lead(data: QualifyLeadInput) -> None: ...


@activity.defn(name="close_lead")
async def close_lead(data: CloseLeadInput) -> None: ...


@activity.defn(name="close_opportunity")
async def close_opportunity(data: CloseOpportunityInput) -> None: ...


@activity.defn(name="send_email")
async def send_email(data: SendEmailInput) -> str:
    return ""


NOOP_ACTIVITIES: list[Callable[..., Any]] = [
    record_prospect,
    close_prospect,
    create_customers,
    create_customer_hierarchy,
    set_credit_limit,
    add_site_user,
    create_lead,
    qualify_lead,
    close_lead,
    close_opportunity,
    send_email,
]


async def serve(settings: Settings) -> None:
    from temporalio.worker import Worker

    stop = asyncio.Event()
    client = await connect_temporal(settings)
    worker = Worker(
        client,
        task_queue=settings.onboarding_task_queue,
        workflows=[ReferenceShape, FloorShape],
        activities=NOOP_ACTIVITIES,
        **worker_options(settings),
    )
    with stopping_on_signals(stop):
        async with worker:
            await stop.wait()


if __name__ == "__main__":
    # The same event loop as the real worker's.
    run_event_loop(serve(Settings.from_environment()))
