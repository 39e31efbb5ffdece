"""docker-compose.yml runs on the bundled Temporal Server, or on Temporal Cloud or a cluster
of your own with no Temporal service started."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from plumbing.settings import Settings
from tests.compose_env import made_env_file
from tests.test_compose import ROOT, env, interpolate, read_env_file
from tests.tls_certs import make_pki

PROFILE = "bundled-temporal"


def stack(**overrides: str) -> dict[str, Any]:
    """The compose file as `docker compose` sees it with the .env made from .env.example as its
    comments say (its placeholders stop the apps), changed as given."""
    values = {**made_env_file(ROOT / ".env.example"), **overrides}
    document: dict[str, Any] = yaml.safe_load(
        interpolate((ROOT / "docker-compose.yml").read_text(), values)
    )
    return document


def temporal_services(compose: dict[str, Any]) -> set[str]:
    return {
        name
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("temporalio/")
    }


@pytest.fixture
def app_settings(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str]], Settings]:
    """The web app's settings read from exactly these variables."""

    def read(variables: dict[str, str]) -> Settings:
        with monkeypatch.context() as environment:
            for name in Settings.model_fields:
                environment.delenv(name.upper(), raising=False)
            for name, value in variables.items():
                environment.setenv(name, value)
            return Settings()

    return read


def test_temporal_services_run_only_in_their_profile() -> None:
    """Every Temporal image, and nothing else, is in the bundled-temporal profile."""
    compose = stack()
    profiled = {name for name, service in compose["services"].items() if service.get("profiles")}
    assert profiled == temporal_services(compose)
    assert all(compose["services"][name]["profiles"] == [PROFILE] for name in profiled)


def test_the_example_env_starts_the_bundled_server() -> None:
    """.env.example picks the bundled server's profile and its address."""
    example = read_env_file(ROOT / ".env.example")
    assert example["COMPOSE_PROFILES"] == PROFILE
    assert example["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_nothing_waits_for_a_temporal_service_that_is_not_started() -> None:
    """Each dependency on a Temporal service is optional, so the apps start without them."""
    compose = stack()
    bundled = temporal_services(compose)
    for name, service in compose["services"].items():
        if name in bundled:
            continue
        for dependency, wait in service.get("depends_on", {}).items():
            if dependency in bundled:
                assert wait.get("required") is False, (name, dependency)


def test_temporal_cloud_with_an_api_key_validates(
    app_settings: Callable[[dict[str, str]], Settings],
) -> None:
    """With Cloud's address, namespace and API key in .env the app connects with TLS."""
    compose = stack(
        COMPOSE_PROFILES="",
        TEMPORAL_ADDRESS="eu-west-1.aws.api.temporal.io:7233",
        TEMPORAL_NAMESPACE="acme.a1b2c",
        TEMPORAL_API_KEY="cloud-api-key",
    )
    config = app_settings(env(compose, "web")).temporal_connect_config()
    assert (config["namespace"], config.get("api_key"), config.get("tls")) == (
        "acme.a1b2c",
        "cloud-api-key",
        True,
    )


def test_certificates_in_env_reach_the_apps(
    app_settings: Callable[[dict[str, str]], Settings], tmp_path: Path
) -> None:
    """Client certificate and key as PEM text in .env reach the worker's TLS config."""
    pki = make_pki(tmp_path)
    # Compose interpolates after reading the YAML, so multi-line PEM text is safe there; this
    # reading interpolates the text, so the PEM goes in after it.
    pem = {
        "TEMPORAL_TLS_CLIENT_CERT_DATA": pki.client.cert.read_text(),
        "TEMPORAL_TLS_CLIENT_KEY_DATA": pki.client.key.read_text(),
    }
    compose = stack(COMPOSE_PROFILES="", **dict.fromkeys(pem, "passed-through"))
    variables = env(compose, "worker")
    assert {name: variables[name] for name in pem} == dict.fromkeys(pem, "passed-through")
    tls = app_settings({**variables, **pem}).temporal_connect_config().get("tls")
    assert not isinstance(tls, bool | None)
    assert tls.client_cert == pki.client.cert.read_bytes()
