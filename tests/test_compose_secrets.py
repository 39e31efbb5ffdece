"""The stack's secrets: .env.example as it is stops the apps, naming each placeholder; the
values its comments say how to make start them; what the settings demand, compose requires."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from plumbing.settings import Settings, WebAppSettings
from tests.compose_env import made_env_file
from tests.test_compose import APP_SERVICES, ROOT, compose, env, example, interpolate, raw

__all__ = ["compose", "example", "raw"]  # the fixtures, used by name

# Each app's own settings: the web app's demand its tokens as well.
APP_SETTINGS: dict[str, type[Settings]] = {"worker": Settings, "web": WebAppSettings}
WORKER_PLACEHOLDERS = ["ONBOARDING_TOKEN_SECRET", "ONBOARDING_ENCRYPTION_KEYS"]
# What each app names when it starts on .env.example as it is, in the order it names them.
PLACEHOLDERS = {
    "worker": WORKER_PLACEHOLDERS,
    "web": [
        *WORKER_PLACEHOLDERS,
        "ONBOARDING_STAFF_TOKEN",
        "ONBOARDING_STOREFRONT_TOKEN",
        "ONBOARDING_WEBHOOK_SECRET",
    ],
}
CLOUD = "https://cloud.temporal.io"


def made_stack(**overrides: str) -> dict[str, Any]:
    """The compose file as `docker compose` sees it with the .env a person makes from the
    example, changed as given."""
    values = {**made_env_file(ROOT / ".env.example"), **overrides}
    document: dict[str, Any] = yaml.safe_load(
        interpolate((ROOT / "docker-compose.yml").read_text(), values)
    )
    return document


@pytest.fixture
def settings_from(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, dict[str, str]], Settings]:
    """The service's settings read, as the app reads them, from exactly these variables."""

    def read(service: str, variables: dict[str, str]) -> Settings:
        with monkeypatch.context() as environment:
            for name in Settings.model_fields:
                environment.delenv(name.upper(), raising=False)
            for name, value in variables.items():
                environment.setenv(name, value)
            return APP_SETTINGS[service]()

    return read


def refusal(refused: pytest.ExceptionInfo[ValidationError]) -> str:
    [error] = refused.value.errors()
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_examples_placeholders_are_refused(
    compose: dict[str, Any],
    settings_from: Callable[[str, dict[str, str]], Settings],
    service: str,
) -> None:
    """.env.example copied as it is stops the app, naming each secret left a placeholder."""
    with pytest.raises(ValidationError) as refused:
        settings_from(service, env(compose, service))
    message = refusal(refused)
    assert message.split(" (")[0] == "set " + ", ".join(PLACEHOLDERS[service])
    for name in PLACEHOLDERS[service]:
        assert f"{name} is a placeholder" in message, name


@pytest.mark.parametrize("service", APP_SERVICES)
def test_secrets_made_as_the_example_says_are_accepted(
    settings_from: Callable[[str, dict[str, str]], Settings], service: str
) -> None:
    """Each secret made by the command .env.example gives: the app's settings pass the
    production checks."""
    settings = settings_from(service, env(made_stack(), service))
    assert settings.onboarding_environment == "production"
    assert settings.missing_secrets() == {}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_settings_production_demands_are_required_env_variables(
    raw: dict[str, Any],
    settings_from: Callable[[str, dict[str, str]], Settings],
    service: str,
) -> None:
    """Each setting the production checks refuse to leave at its default is a required .env
    variable of the same name."""
    variables = env(made_stack(), service)
    demanded = set()
    for name in variables:
        try:
            settings_from(service, {k: v for k, v in variables.items() if k != name})
        except ValidationError:
            demanded.add(name)
    assert demanded >= {"ONBOARDING_TOKEN_SECRET", "ONBOARDING_ENCRYPTION_KEYS"}
    for name in demanded:
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", env(raw, service)[name]), name


def test_a_cloud_origin_without_issuer_and_audience_stops_the_web_app(
    settings_from: Callable[[str, dict[str, str]], Settings],
) -> None:
    """ONBOARDING_CODEC_CLOUD_ORIGIN in .env alone: the web app names the issuer and audience
    its tokens must carry, and does not start."""
    with pytest.raises(ValidationError) as refused:
        settings_from("web", env(made_stack(ONBOARDING_CODEC_CLOUD_ORIGIN=CLOUD), "web"))
    assert refusal(refused).split(" (")[0] == (
        "set ONBOARDING_CODEC_CLOUD_ISSUER, ONBOARDING_CODEC_CLOUD_AUDIENCE"
    )


def test_the_cloud_codecs_binding_reaches_the_web_app(
    settings_from: Callable[[str, dict[str, str]], Settings],
) -> None:
    """Origin, issuer, audience and keys' URL set in .env are the web app's settings."""
    cloud = {
        "ONBOARDING_CODEC_CLOUD_ORIGIN": CLOUD,
        "ONBOARDING_CODEC_CLOUD_ISSUER": "https://issuer.example/",
        "ONBOARDING_CODEC_CLOUD_AUDIENCE": "https://audience.example",
        "ONBOARDING_CODEC_CLOUD_JWKS_URL": "https://issuer.example/jwks.json",
    }
    settings = settings_from("web", env(made_stack(**cloud), "web"))
    assert {name: getattr(settings, name.lower()) for name in cloud} == cloud
