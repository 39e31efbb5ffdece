"""The Temporal client, with every payload sealed by the encryption codec."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.runtime import Runtime

from plumbing.codec import encrypted_converter
from plumbing.settings import Settings


async def connect_temporal(settings: Settings, runtime: Runtime | None = None) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=encrypted_converter(settings.codec()),
        runtime=runtime,
    )
