"""One real stack per test session (per pytest-xdist worker): embedded PostgreSQL, an SMTP sink,
the Temporal dev server, and Chromium once a browser test asks for it."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.binaries import executable
from devstack.mailbox_page import mailbox_app
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.postgres import _ensure_server_user as ensure_server_user
from devstack.smtp import SmtpSink
from devstack.temporal import TemporalDevServer
from plumbing.settings import Settings
from plumbing.stores import Stores, open_stores
from plumbing.temporal import connect_temporal
from starter.app import IDLE_CONNECTION_SECONDS, create_app
from starter.services.start import OnboardingStarter
from tests.registry_fakes import RegistryFakes, serve_registry_fakes
from workers.worker import running_worker

pytest_plugins = ["tests.browser_pages"]
HASH_COSTS = ("onboarding_argon2_time_cost", "onboarding_argon2_memory_kib",
              "onboarding_argon2_parallelism")  # fmt: skip
# pytest-xdist hands tests out in collection order (scripts/test turns its own reordering
# off): the modules of the longest tests go first, the fault suites (mostly waiting through
# their outages) first of all, so the short tests fill the time around them.
LONG_FIRST = ("faults", "contract", "slow", "browser")


def pytest_configure(config: pytest.Config) -> None:
    # Each xdist worker starts a PostgreSQL, which as root runs as a user made on first use;
    # made here, once, before the workers start, they cannot race to create it.
    if not hasattr(config, "workerinput"):
        ensure_server_user()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Whole modules move, so a module-scoped fixture is still set up once per worker."""
    rank: dict[str, int] = {}
    for item in items:
        kinds = [i for i, kind in enumerate(LONG_FIRST) if item.get_closest_marker(kind)]
        module = item.nodeid.split("::")[0]
        rank[module] = min([rank.get(module, len(LONG_FIRST)), *kinds])
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def maildir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mail") / "maildir"


@pytest.fixture(scope="session")
def smtp(maildir: Path) -> Iterator[SmtpSink]:
    sink = SmtpSink(maildir=maildir)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(tmp_path_factory.mktemp("temporal") / "temporal.db")
    server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server of the test's own, for waits of days. Not shared: a
    server fires the timers of every run it holds as it skips, and one kept for a whole loaded
    run, holding every earlier test's runs left waiting, broke its connections midway (HTTP/2
    errors, then timeouts). Starting one takes about 0.4 s."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=executable("temporal-test-server"),
    )
    async with env:
        yield env


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def registry_fakes() -> AsyncIterator[RegistryFakes]:
    """The registries' contract fakes, which the stack's workers ask (company verification)."""
    async with serve_registry_fakes() as fakes:
        yield fakes


@pytest.fixture(scope="session")
def settings(
    postgres: EmbeddedPostgres,
    smtp: SmtpSink,
    dev_server: TemporalDevServer,
    registry_fakes: RegistryFakes,
) -> Settings:
    registries = registry_fakes.settings
    return Settings(
        onboarding_environment="dev",
        temporal_address=dev_server.address,
        commerce_database_url=postgres.url("commerce"),
        sales_database_url=postgres.url("sales"),
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        onboarding_store_name="Contoso B2B",
        onboarding_store_url="https://shop.contoso.example",
        # Every test submits from 127.0.0.1; the limit itself has a test of its own.
        onboarding_submit_rate_per_minute=0,
        onboarding_link_requests_per_minute=0,
        # Likewise every failed sign-in of the suite comes from one address.
        onboarding_sign_in_failures_per_address=1_000_000,
        onboarding_webhook_secret="webhook-secret-for-tests",
        onboarding_storefront_token="storefront-token-for-tests",
        # Argon2id at its cheapest: a sign-in or a set-password hashes in microseconds instead
        # of taking a core for a fifth of a second. The production costs keep a test of their
        # own (production_hashing_http, used by test_sign_in.py's rehash test).
        onboarding_argon2_time_cost=1,
        onboarding_argon2_memory_kib=64,
        onboarding_argon2_parallelism=1,
        onboarding_nta_corporate_api_url=registries.nta_corporate_url,
        onboarding_nta_invoice_api_url=registries.nta_invoice_url,
        onboarding_vies_api_url=registries.vies_url,
        onboarding_nta_application_id=registries.nta_application_id,
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def stores(settings: Settings) -> AsyncIterator[Stores]:
    async with open_stores(settings) as opened:
        yield opened


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def client(settings: Settings) -> Client:
    return await connect_once_healthy(settings)


async def connect_once_healthy(settings: Settings) -> Client:
    """A client once the dev server's frontend is healthy: it opens its port a moment before,
    a gap that xdist workers starting their servers together on a busy machine can widen."""
    async with asyncio.timeout(60):
        while True:
            try:
                return await connect_temporal(settings)
            except RuntimeError as err:
                if "not healthy" not in str(err):
                    raise
            await asyncio.sleep(0.2)


@pytest.fixture
def task_queue() -> str:
    return f"onboarding-test-{uuid.uuid4().hex[:12]}"


@pytest_asyncio.fixture(loop_scope="session")
async def worker(
    client: Client, stores: Stores, settings: Settings, task_queue: str
) -> AsyncIterator[Worker]:
    async with running_worker(client, task_queue, stores, settings) as running:
        yield running


@pytest.fixture
def starter(
    client: Client, stores: Stores, settings: Settings, task_queue: str
) -> OnboardingStarter:
    return OnboardingStarter(client, stores.commerce, task_queue, settings.policy())


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class WebApp:
    url: str
    staff_token: str
    settings: Settings

    def staff(self, user: str = "staff") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.staff_token}", "X-Staff-User": user}


@contextlib.asynccontextmanager
async def serving(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free port (or the one given); yields its base URL."""
    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_keep_alive=IDLE_CONNECTION_SECONDS,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(30):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers only this flag
            await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def mailbox_url(smtp: SmtpSink, maildir: Path) -> AsyncIterator[str]:
    """The dev run's mailbox page over the test session's SMTP sink."""
    async with serving(mailbox_app(maildir)) as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def web(client: Client, stores: Stores, settings: Settings) -> AsyncIterator[WebApp]:
    """The web app served by uvicorn on a real port, with a worker on its task queue."""
    app_settings = settings.model_copy(
        update={"onboarding_task_queue": f"web-{uuid.uuid4().hex[:8]}"}
    )
    token = f"staff-{uuid.uuid4().hex}"
    async with (
        running_worker(client, app_settings.onboarding_task_queue, stores, app_settings),
        serving(create_app(app_settings, token)) as url,
    ):
        yield WebApp(url=url, staff_token=token, settings=app_settings)


@pytest_asyncio.fixture(loop_scope="session")
async def http(web: WebApp) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as session:
        yield session


@pytest_asyncio.fixture(loop_scope="session")
async def production_hashing_http(web: WebApp) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the web app as `http`, but hashing at the production cost (the defaults)."""
    production = web.settings.model_copy(
        update={name: Settings.model_fields[name].default for name in HASH_COSTS}
    )
    async with (
        serving(create_app(production, web.staff_token)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as session,
    ):
        yield session
