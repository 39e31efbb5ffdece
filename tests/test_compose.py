"""docker-compose.yml cannot run here; read it and check it agrees with the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from plumbing.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("worker", "web")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def env(compose: dict[str, Any], service: str) -> dict[str, str]:
    return {k: str(v) for k, v in compose["services"][service]["environment"].items()}


def test_stack_has_every_service(compose: dict[str, Any]) -> None:
    """Temporal and its UI, PostgreSQL, a mail catcher, the worker and the web app."""
    assert set(compose["services"]) >= {
        "postgresql", "temporal", "temporal-ui", "mailpit", "worker", "web",
    }  # fmt: skip


def test_long_running_services_have_health_checks(compose: dict[str, Any]) -> None:
    """Every server the stack keeps running says when it is healthy."""
    for name, service in compose["services"].items():
        if service.get("restart") != "no":
            assert "healthcheck" in service, name


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_variables_are_settings(compose: dict[str, Any], service: str) -> None:
    """Each variable given to the app is one the settings read (no typos go unnoticed)."""
    known = {name.upper() for name in Settings.model_fields}
    assert set(env(compose, service)) <= known


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_addresses_name_compose_services(compose: dict[str, Any], service: str) -> None:
    """Temporal, both stores and SMTP are reached by the names and ports compose gives them."""
    variables = env(compose, service)
    assert variables["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert "7233:7233" in compose["services"]["temporal"]["ports"]
    for url in (variables["COMMERCE_DATABASE_URL"], variables["SALES_DATABASE_URL"]):
        assert urlsplit(url).hostname == "postgresql"
    databases = {urlsplit(variables[k]).path.lstrip("/") for k in
                 ("COMMERCE_DATABASE_URL", "SALES_DATABASE_URL")}  # fmt: skip
    init = (ROOT / "deploy" / "postgres-init.sql").read_text()
    assert all(f"CREATE DATABASE {db};" in init for db in databases)
    assert (variables["SMTP_HOST"], variables["SMTP_PORT"]) == ("mailpit", "1025")


def test_web_port_is_published(compose: dict[str, Any]) -> None:
    """The web app listens on all interfaces, on the port compose publishes."""
    variables = env(compose, "web")
    port = variables["ONBOARDING_HTTP_PORT"]
    assert variables["ONBOARDING_HTTP_HOST"] == "0.0.0.0"
    assert f"{port}:{port}" in compose["services"]["web"]["ports"]
    assert f"localhost:{port}/healthz" in " ".join(
        compose["services"]["web"]["healthcheck"]["test"]
    )


def test_search_attributes_are_registered(compose: dict[str, Any]) -> None:
    """The custom search attributes the workflow upserts exist on the compose Temporal."""
    command = " ".join(compose["services"]["temporal-setup"]["command"])
    for name in ("OnboardingStatus", "CompanyName"):
        assert f"--name {name} --type Keyword" in command


def test_images_build_from_the_project(compose: dict[str, Any]) -> None:
    """The worker and web app are built from the Dockerfile and run the project's modules."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("workflows", "activities", "workers", "starter"):
        assert f"COPY {package} {package}" in dockerfile
    assert compose["services"]["worker"]["command"][-1] == "workers"
    assert compose["services"]["web"]["command"][-1] == "starter"
