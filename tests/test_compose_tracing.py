"""docker-compose.yml's traces: the apps send to the collector, the collector to Jaeger."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.test_compose import APP_SERVICES, ROOT, compose, env, example

__all__ = ["compose", "example"]  # the fixtures, used by name


def collector_config() -> dict[str, Any]:
    mounted = "./deploy/otel-collector.yaml"
    config: dict[str, Any] = yaml.safe_load(Path(ROOT, mounted).read_text(encoding="utf-8"))
    return config


@pytest.mark.parametrize("service", APP_SERVICES)
def test_apps_export_to_the_collectors_otlp_http_port(
    compose: dict[str, Any], service: str
) -> None:
    """The web app and the worker send their spans where the collector takes OTLP/HTTP."""
    endpoint = urlsplit(env(compose, service)["OTEL_EXPORTER_OTLP_ENDPOINT"])
    receiver = collector_config()["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    assert (endpoint.scheme, endpoint.hostname) == ("http", "otel-collector")
    assert receiver == f"0.0.0.0:{endpoint.port}"


def test_collector_reads_the_mounted_config(compose: dict[str, Any]) -> None:
    """The collector starts with the configuration file compose mounts for it."""
    collector = compose["services"]["otel-collector"]
    (mount,) = collector["volumes"]
    source, target, _ = mount.split(":")
    assert source == "./deploy/otel-collector.yaml"
    assert collector["command"] == [f"--config={target}"]


def test_collector_passes_traces_to_jaeger(compose: dict[str, Any]) -> None:
    """Its one traces pipeline ends in Jaeger's OTLP port, and it starts once Jaeger is up."""
    config = collector_config()
    (exporter,) = config["service"]["pipelines"]["traces"]["exporters"]
    assert config["exporters"][exporter]["endpoint"] == "jaeger:4317"
    waits = compose["services"]["otel-collector"]["depends_on"]
    assert waits == {"jaeger": {"condition": "service_healthy"}}


def test_collector_health_check_reads_its_extension() -> None:
    """The image's /healthcheck asks the health extension, which the service switches on."""
    config = collector_config()
    assert config["extensions"]["health_check"]["endpoint"] == "127.0.0.1:13133"
    assert config["service"]["extensions"] == ["health_check"]


def test_apps_never_wait_for_tracing(compose: dict[str, Any]) -> None:
    """Neither the web app nor the worker waits on the collector or Jaeger."""
    for service in APP_SERVICES:
        assert not {"otel-collector", "jaeger"} & set(compose["services"][service]["depends_on"])
