"""Production is the default environment: a process started without its secrets refuses to
start, in one line that names each missing variable."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import sys
from asyncio.subprocess import PIPE

import pytest
from pydantic import ValidationError

from plumbing.settings import DEV_ENCRYPTION_KEYS, DEV_TOKEN_SECRET, Settings, WebAppSettings

SECRETS = ("ONBOARDING_TOKEN_SECRET", "ONBOARDING_ENCRYPTION_KEYS", "ONBOARDING_ENCRYPTION_KEY_ID")
KEYS = "prod-1:" + base64.b64encode(b"k" * 32).decode()
REFUSAL = "cannot start: set "
# Made as .env.example says to make each secret.
MADE = secrets.token_urlsafe(32)


def clear_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset, for this test, every variable the settings read."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def without_settings() -> dict[str, str]:
    """This process's environment without a variable the settings read."""
    read = {name.upper() for name in Settings.model_fields}
    return {name: value for name, value in os.environ.items() if name not in read}


async def exit_of(*command: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run `python -m COMMAND...` to its end: its exit status, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", *command, env=env, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def named(refusal: str) -> list[str]:
    """The variables a refusal asks for, in its order."""
    assert refusal.startswith(REFUSAL), refusal
    return refusal.removeprefix(REFUSAL).split(" (")[0].split(", ")


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        (("starter",), [*SECRETS, "ONBOARDING_STAFF_TOKEN"]),
        (("workers",), list(SECRETS)),
        (("starter", "staff", "list"), list(SECRETS)),
        (("starter", "staff", "add", "someone@shop.example", "Some One"), list(SECRETS)),
    ],
    ids=["web app", "worker", "staff list", "staff add"],
)
async def test_a_process_without_its_secrets_names_each_and_exits(
    command: tuple[str, ...], missing: list[str]
) -> None:
    """With no variable set, the process exits 1 with one line naming every missing one."""
    status, out, err = await exit_of(*command, env=without_settings())
    assert (status, out) == (1, "")
    [refusal] = err.splitlines()
    assert named(refusal) == missing
    assert "production, the default" in refusal


async def test_only_the_variables_still_missing_are_named() -> None:
    """The web app with its token secret and staff token set names the keys alone."""
    env = {
        **without_settings(),
        "ONBOARDING_TOKEN_SECRET": secrets.token_urlsafe(32),
        "ONBOARDING_STAFF_TOKEN": secrets.token_urlsafe(32),
    }
    status, _, err = await exit_of("starter", env=env)
    assert status == 1
    assert [named(line) for line in err.splitlines()] == [
        ["ONBOARDING_ENCRYPTION_KEYS", "ONBOARDING_ENCRYPTION_KEY_ID"]
    ]


def test_production_is_the_default_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """With its secrets and no ONBOARDING_ENVIRONMENT, the settings are production's."""
    clear_settings(monkeypatch)
    settings = Settings(
        onboarding_token_secret=MADE,
        onboarding_encryption_keys=KEYS,
        onboarding_encryption_key_id="prod-1",
    )
    assert settings.onboarding_environment == "production"


def test_a_dev_secret_counts_as_missing_outside_dev() -> None:
    """The public dev token secret, set on purpose in production, is refused by name."""
    with pytest.raises(ValidationError) as refused:
        Settings(
            onboarding_environment="production",
            onboarding_token_secret=DEV_TOKEN_SECRET,
            onboarding_encryption_keys=KEYS,
            onboarding_encryption_key_id="prod-1",
        )
    [error] = refused.value.errors()
    assert error["msg"].startswith("Value error, set ONBOARDING_TOKEN_SECRET (")


def test_the_dev_environment_runs_on_the_dev_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """ONBOARDING_ENVIRONMENT=dev, as the dev run and the tests set it, needs no secret."""
    clear_settings(monkeypatch)
    settings = Settings(onboarding_environment="dev")
    assert settings.missing_secrets() == {}
    assert settings.onboarding_token_secret == DEV_TOKEN_SECRET


def refusal_of(settings: type[Settings] = Settings, **values: str) -> str:
    """The message with which production settings of these values are refused."""
    production = {
        "onboarding_environment": "production",
        "onboarding_token_secret": MADE,
        "onboarding_encryption_keys": KEYS,
        "onboarding_encryption_key_id": "prod-1",
    }
    with pytest.raises(ValidationError) as refused:
        settings.model_validate({**production, **values})
    [error] = refused.value.errors()
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


def test_a_placeholder_secret_counts_as_missing() -> None:
    """.env.example's token placeholder, copied as it is, is refused and called one."""
    refusal = refusal_of(onboarding_token_secret="replace-with-a-token-of-forty-characters")
    assert named("cannot start: " + refusal) == ["ONBOARDING_TOKEN_SECRET"]
    assert "ONBOARDING_TOKEN_SECRET is a placeholder" in refusal


def test_a_short_secret_counts_as_missing() -> None:
    """A secret of fewer than 32 characters is refused as too short."""
    refusal = refusal_of(onboarding_token_secret="x" * 31)
    assert named("cannot start: " + refusal) == ["ONBOARDING_TOKEN_SECRET"]
    assert "ONBOARDING_TOKEN_SECRET is shorter than 32 characters" in refusal


def test_a_secret_of_32_characters_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    """32 characters, the shortest accepted, start production."""
    clear_settings(monkeypatch)
    settings = Settings(
        onboarding_token_secret="x" * 32,
        onboarding_encryption_keys=KEYS,
        onboarding_encryption_key_id="prod-1",
    )
    assert settings.missing_secrets() == {}


def test_an_all_zero_key_counts_as_missing() -> None:
    """The example's key of 32 zero bytes is refused as a placeholder."""
    zeros = "key-1:" + base64.b64encode(bytes(32)).decode()
    refusal = refusal_of(onboarding_encryption_keys=f"{KEYS},{zeros}")
    assert named("cannot start: " + refusal) == ["ONBOARDING_ENCRYPTION_KEYS"]
    assert "a placeholder (key key-1 is all zeros)" in refusal


def test_the_dev_key_under_another_id_counts_as_missing() -> None:
    """The public dev key, listed under a new id, is refused as the dev key."""
    dev_key = DEV_ENCRYPTION_KEYS.partition(":")[2]
    refusal = refusal_of(onboarding_encryption_keys=f"{KEYS},prod-0:{dev_key}")
    assert named("cannot start: " + refusal) == ["ONBOARDING_ENCRYPTION_KEYS"]
    assert "the dev key (as prod-0)" in refusal


def test_a_web_apps_placeholder_tokens_count_as_missing() -> None:
    """The web app refuses the staff, storefront and webhook placeholders, naming each."""
    placeholder = "replace-with-a-token"
    refusal = refusal_of(
        WebAppSettings,
        onboarding_staff_token=placeholder,
        onboarding_storefront_token=placeholder,
        onboarding_webhook_secret=placeholder,
    )
    assert named("cannot start: " + refusal) == [
        "ONBOARDING_STAFF_TOKEN",
        "ONBOARDING_STOREFRONT_TOKEN",
        "ONBOARDING_WEBHOOK_SECRET",
    ]


def test_a_cloud_origin_without_issuer_and_audience_is_refused() -> None:
    """Temporal Cloud's UI as a codec caller needs the issuer and audience its tokens must
    carry: both are named, as missing secrets are."""
    refusal = refusal_of(onboarding_codec_cloud_origin="https://cloud.temporal.io")
    assert named("cannot start: " + refusal) == [
        "ONBOARDING_CODEC_CLOUD_ISSUER",
        "ONBOARDING_CODEC_CLOUD_AUDIENCE",
    ]
