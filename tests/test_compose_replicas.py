"""docker-compose.yml's replicas: two web apps behind the proxy, two workers that drain."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter

from activities.mail.sender import CLOSE_WAIT
from plumbing.settings import Settings
from starter.app import IDLE_CONNECTION_SECONDS
from tests.test_compose import APP_SERVICES, caddy_block, caddyfile, compose, env, example

__all__ = ["caddyfile", "compose", "example"]  # the fixtures, used by name

REPLICAS = 2
DURATION = re.compile(r"^(?:(?P<minutes>\d+)m)?(?:(?P<seconds>\d+)s)?$")


def compose_duration(text: str) -> timedelta:
    match = DURATION.fullmatch(text)
    assert text, "empty duration"
    assert match, text
    return timedelta(minutes=int(match["minutes"] or 0), seconds=int(match["seconds"] or 0))


@pytest.mark.parametrize("service", APP_SERVICES)
def test_apps_run_two_replicas(compose: dict[str, Any], service: str) -> None:
    """The web app and the worker each start twice."""
    assert compose["services"][service]["deploy"]["replicas"] == REPLICAS


@pytest.mark.parametrize("service", APP_SERVICES)
def test_replicas_claim_nothing_only_one_container_can_have(
    compose: dict[str, Any], service: str
) -> None:
    """No fixed container name, host port or address that a second replica would fight over."""
    definition = compose["services"][service]
    assert "container_name" not in definition
    assert "ports" not in definition
    for network in definition.get("networks", []):
        assert isinstance(network, str), (service, network)


def test_proxy_balances_over_every_web_replica(caddyfile: str) -> None:
    """The site's routes reach each web replica by the service's DNS name, looked up again
    as replicas come and go, and a request an unreachable replica refused goes to another."""
    proxy = caddy_block(caddyfile, "handle")
    assert caddy_block(proxy, "dynamic a").split()[:4] == ["name", "web", "port", "8000"]
    assert re.search(r"^\s*lb_retries [1-9]$", proxy, re.MULTILINE)


@pytest.mark.parametrize("route", ["handle", "forward_auth web:8000"])
def test_proxy_lets_an_idle_connection_go_before_the_web_app_does(
    caddyfile: str, route: str
) -> None:
    """The proxy never sends a request on a connection the web app is closing as idle."""
    transport = caddy_block(caddy_block(caddyfile, route), "transport http")
    keepalive = re.search(r"^\s*keepalive (\S+)$", transport, re.MULTILINE)
    assert keepalive, transport
    assert compose_duration(keepalive[1]) < timedelta(seconds=IDLE_CONNECTION_SECONDS)


def test_compose_waits_for_the_workers_drain(compose: dict[str, Any]) -> None:
    """Compose sends SIGKILL only after the worker's own grace and its wait for emails."""
    worker = env(compose, "worker")
    default = Settings.model_fields["onboarding_worker_shutdown_grace"].default
    given = worker.get("ONBOARDING_WORKER_SHUTDOWN_GRACE")
    grace = TypeAdapter(timedelta).validate_python(given) if given else default
    stop = compose_duration(compose["services"]["worker"]["stop_grace_period"])
    # After the grace, the worker waits a little longer for emails being sent.
    assert stop > grace + timedelta(seconds=CLOSE_WAIT)
