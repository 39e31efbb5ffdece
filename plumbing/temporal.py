"""The Temporal client, reached as `TemporalSettings` says, with every payload sealed by the
encryption codec."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.runtime import Runtime

from plumbing.codec import encrypted_converter
from plumbing.settings import Settings
from plumbing.tracing import temporal_interceptors


async def connect_temporal(settings: Settings, runtime: Runtime | None = None) -> Client:
    # Address, namespace, API key and TLS as the SDK's environment configuration gives them.
    config = settings.temporal_connect_config()
    return await Client.connect(
        config["target_host"],
        namespace=config["namespace"],
        api_key=config.get("api_key"),
        tls=config.get("tls", False),
        rpc_metadata=config.get("rpc_metadata", {}),
        data_converter=encrypted_converter(settings.codec()),
        runtime=runtime,
        interceptors=temporal_interceptors(),
    )
