"""Temporal Cloud's UI reads payloads through the codec with the Cloud user's access token:
only a token signed by the published keys, still valid, of an active staff member."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import rsa
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.app import create_app
from starter.integrations import codec
from tests.cloud_codec_helpers import (
    CLOUD,
    PLAIN,
    CloudRun,
    access_token,
    active_staff,
    cloud_codec_run,
    decode_from_cloud,
)
from tests.conftest import serving


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def cloud_run(settings: Settings, stores: Stores) -> AsyncIterator[CloudRun]:
    async with cloud_codec_run(settings, stores) as run:
        yield run


async def test_a_staff_members_token_decodes(cloud_run: CloudRun) -> None:
    """A valid token of an active staff member: 200, decoded, readable by Cloud's origin."""
    answer = await decode_from_cloud(
        cloud_run, access_token(cloud_run.signing_key, cloud_run.staff_email)
    )
    assert answer.status_code == 200, answer.text
    assert list(json_format.Parse(answer.text, Payloads()).payloads) == [PLAIN]
    assert answer.headers["access-control-allow-origin"] == CLOUD
    assert answer.headers["access-control-allow-credentials"] == "true"


async def test_the_preflight_allows_clouds_origin_with_credentials(cloud_run: CloudRun) -> None:
    """OPTIONS from Cloud's origin may send the token and the namespace header."""
    headers = {
        "Origin": CLOUD,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    async with httpx.AsyncClient(base_url=cloud_run.web_url) as http:
        answer = await http.options("/codec/decode", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == CLOUD
    assert answer.headers["access-control-allow-credentials"] == "true"
    allowed = answer.headers["access-control-allow-headers"].lower()
    assert {"authorization", "x-namespace"} <= {h.strip() for h in allowed.split(",")}


async def test_a_token_signed_by_another_key_is_refused(
    cloud_run: CloudRun, caplog: pytest.LogCaptureFixture
) -> None:
    """The same claims and key id, signed by a key Cloud did not publish: 401, saying only
    that the token is invalid; the reason goes to the log."""
    caplog.set_level(logging.INFO, logger=codec.__name__)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    answer = await decode_from_cloud(cloud_run, access_token(forger, cloud_run.staff_email))
    assert answer.status_code == 401
    assert answer.json()["detail"] == "invalid token"
    assert "Signature verification failed" in caplog.text


async def test_an_expired_token_is_refused(
    cloud_run: CloudRun, caplog: pytest.LogCaptureFixture
) -> None:
    """A token past its exp: 401, saying only that the token is invalid."""
    caplog.set_level(logging.INFO, logger=codec.__name__)
    past = int(time.time()) - 600
    token = access_token(cloud_run.signing_key, cloud_run.staff_email, iat=past - 300, exp=past)
    answer = await decode_from_cloud(cloud_run, token)
    assert answer.status_code == 401
    assert answer.json()["detail"] == "invalid token"
    assert "expired" in caplog.text


async def test_a_token_of_another_issuer_is_refused(cloud_run: CloudRun) -> None:
    """A token whose iss is not the configured issuer: 401."""
    token = access_token(cloud_run.signing_key, cloud_run.staff_email, iss="https://elsewhere/")
    assert (await decode_from_cloud(cloud_run, token)).status_code == 401


async def test_a_cloud_user_who_is_not_staff_is_refused(cloud_run: CloudRun) -> None:
    """A valid token whose email is no staff account: 403."""
    token = access_token(cloud_run.signing_key, "someone.else@partner.example")
    assert (await decode_from_cloud(cloud_run, token)).status_code == 403


async def test_an_invited_staff_member_who_is_not_active_is_refused(
    cloud_run: CloudRun, stores: Stores
) -> None:
    """A staff account still invited (never activated) opens nothing: 403."""
    email = f"invited.{uuid.uuid4().hex[:10]}@shop.example"
    await stores.commerce_store().accounts.add_staff(f"STF-{uuid.uuid4().hex[:20]}", email, "New")
    answer = await decode_from_cloud(cloud_run, access_token(cloud_run.signing_key, email))
    assert answer.status_code == 403


async def test_a_staff_member_without_a_second_factor_is_refused(
    cloud_run: CloudRun, stores: Stores
) -> None:
    """An active staff account that never enrolled its second factor opens nothing: 403."""
    email = await active_staff(stores, cloud_run.settings, with_factor=False)
    answer = await decode_from_cloud(cloud_run, access_token(cloud_run.signing_key, email))
    assert answer.status_code == 403
    assert "second factor" in answer.json()["detail"]


async def test_no_token_from_clouds_origin_is_refused(cloud_run: CloudRun) -> None:
    """Cloud's origin without an access token: 401."""
    assert (await decode_from_cloud(cloud_run, None)).status_code == 401


async def test_without_the_setting_clouds_tokens_open_nothing(cloud_run: CloudRun) -> None:
    """ONBOARDING_CODEC_CLOUD_ORIGIN unset (the default): a staff member's Cloud token is 401,
    and Cloud's origin may not read the answer."""
    assert Settings.model_fields["onboarding_codec_cloud_origin"].default is None
    off = cloud_run.settings.model_copy(update={"onboarding_codec_cloud_origin": None})
    async with serving(create_app(off, f"staff-{uuid.uuid4().hex}")) as web_url:
        run = CloudRun(web_url, off, cloud_run.signing_key, cloud_run.staff_email)
        answer = await decode_from_cloud(
            run, access_token(cloud_run.signing_key, cloud_run.staff_email)
        )
    assert answer.status_code == 401
    assert "access-control-allow-origin" not in answer.headers
