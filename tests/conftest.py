"""One real stack per test session: embedded PostgreSQL, an SMTP sink, the Temporal dev server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from devstack.postgres import EmbeddedPostgres
from devstack.smtp import SmtpSink
from devstack.temporal import TemporalDevServer
from starter.start import OnboardingStarter
from workers.settings import Settings
from workers.worker import Stores, build_activities, build_worker, open_stores


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(tmp_path_factory.mktemp("temporal") / "temporal.db")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def settings(postgres: EmbeddedPostgres, smtp: SmtpSink, dev_server: TemporalDevServer) -> Settings:
    return Settings(
        temporal_address=dev_server.address,
        commerce_database_url=postgres.url("commerce"),
        sales_database_url=postgres.url("sales"),
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        onboarding_store_name="Contoso B2B",
        onboarding_store_url="https://shop.contoso.example",
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def stores(settings: Settings) -> AsyncIterator[Stores]:
    async with open_stores(settings) as opened:
        yield opened


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def client(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_address, data_converter=pydantic_data_converter)


@pytest.fixture
def task_queue() -> str:
    return f"onboarding-test-{uuid.uuid4().hex[:12]}"


@pytest_asyncio.fixture(loop_scope="session")
async def worker(
    client: Client, stores: Stores, settings: Settings, task_queue: str
) -> AsyncIterator[Worker]:
    running = build_worker(client, task_queue, build_activities(stores, settings))
    async with running:
        yield running


@pytest.fixture
def starter(
    client: Client, stores: Stores, settings: Settings, task_queue: str
) -> OnboardingStarter:
    return OnboardingStarter(client, stores.commerce, task_queue, settings.policy())


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
