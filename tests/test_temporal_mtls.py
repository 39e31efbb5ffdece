"""A Temporal cluster that demands mutual TLS: the worker and the web app's client reach it
with the certificates TEMPORAL_TLS_* name, and a client without one is turned away."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.service import TLSConfig

from devstack.temporal import TemporalDevServer
from plumbing.settings import Settings
from plumbing.stores import Stores
from plumbing.temporal import connect_temporal
from starter.services.start import OnboardingStarter
from tests.factories import make_request, now, qualified, start_until_lead, wait_for_state
from tests.tls_certs import SERVER_NAME, Pki, make_pki
from tests.tls_front import mutual_tls_front
from workers.worker import running_worker
from workflows.models import OnboardingStatus, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow


@dataclass(frozen=True)
class Front:
    address: str
    pki: Pki


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def front(
    tmp_path_factory: pytest.TempPathFactory, dev_server: TemporalDevServer
) -> AsyncIterator[Front]:
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    async with mutual_tls_front(pki, dev_server.address) as address:
        yield Front(address, pki)


def through(front: Front, settings: Settings) -> Settings:
    """The test settings, but reaching Temporal through the front with the client certificate."""
    return settings.model_copy(
        update={
            "temporal_address": front.address,
            "temporal_tls_client_cert_path": str(front.pki.client.cert),
            "temporal_tls_client_key_path": str(front.pki.client.key),
            "temporal_tls_server_ca_cert_path": str(front.pki.ca_cert),
            "temporal_tls_server_name": SERVER_NAME,
            "onboarding_task_queue": f"mtls-{uuid.uuid4().hex[:8]}",
        }
    )


async def refused(front: Front, client_cert: Path | None, client_key: Path | None) -> str:
    """The error of a connection to the front with these credentials."""
    tls = TLSConfig(
        server_root_ca_cert=front.pki.ca_cert.read_bytes(),
        domain=SERVER_NAME,
        client_cert=client_cert.read_bytes() if client_cert else None,
        client_private_key=client_key.read_bytes() if client_key else None,
    )
    with pytest.raises(RuntimeError) as refusal:
        async with asyncio.timeout(60):
            await Client.connect(front.address, tls=tls)
    return str(refusal.value)


async def test_an_onboarding_is_approved_through_mutual_tls(
    front: Front, settings: Settings, stores: Stores
) -> None:
    """Worker and client both through the front: qualify, win, approved."""
    tls_settings = through(front, settings)
    client = await connect_temporal(tls_settings)
    queue = tls_settings.onboarding_task_queue
    starter = OnboardingStarter(client, stores.commerce, queue, tls_settings.policy())
    async with running_worker(client, queue, stores, tls_settings):
        handle = await start_until_lead(client, starter, make_request("en"))
        await handle.signal(OnboardingWorkflow.qualify_lead, qualified())
        await wait_for_state(handle, lambda s: s.status is OnboardingStatus.QUALIFIED)
        won = OpportunityClosed(
            decided_by="sales.rep@shop.example", decided_at=now(), outcome="won"
        )
        await handle.signal(OnboardingWorkflow.close_opportunity, won)
        state = await handle.result()
    assert state.status is OnboardingStatus.APPROVED


async def test_a_client_without_a_certificate_is_refused(front: Front) -> None:
    """TLS with the right CA but no client certificate does not connect."""
    assert "Failed client connect" in await refused(front, None, None)


async def test_a_certificate_of_another_authority_is_refused(front: Front) -> None:
    """A client certificate the test CA did not sign does not connect."""
    stranger = front.pki.stranger
    assert "Failed client connect" in await refused(front, stranger.cert, stranger.key)
