"""A Cloud access token opens the codec only when it is bound to this service (its issuer
and audience), and keys that cannot be read refuse the token rather than fail the call."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import jwt
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.routing import Route

from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.app import create_app
from starter.services.cloud_codec import EMAIL_CLAIMS, CloudTokenPolicy
from tests.cloud_codec_helpers import (
    ISSUER,
    KID,
    CloudRun,
    access_token,
    cloud_codec_run,
    decode_from_cloud,
    keys_not_json,
)
from tests.conftest import serving


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def cloud_run(settings: Settings, stores: Stores) -> AsyncIterator[CloudRun]:
    async with cloud_codec_run(settings, stores) as run:
        yield run


async def test_a_token_for_another_audience_is_refused(cloud_run: CloudRun) -> None:
    """A token Cloud signed for another service (its aud is not ours): 401."""
    token = access_token(cloud_run.signing_key, cloud_run.staff_email, aud="https://other/")
    assert (await decode_from_cloud(cloud_run, token)).status_code == 401


async def test_a_token_without_an_audience_is_refused(cloud_run: CloudRun) -> None:
    """A token that names no audience at all is bound to nothing: 401."""
    token = jwt.encode(
        {"iss": ISSUER, EMAIL_CLAIMS[0]: cloud_run.staff_email, "exp": int(time.time()) + 300},
        cloud_run.signing_key,
        algorithm="RS256",
        headers={"kid": KID},
    )
    assert (await decode_from_cloud(cloud_run, token)).status_code == 401


async def test_keys_that_are_not_json_refuse_the_token(cloud_run: CloudRun) -> None:
    """The keys' URL answering with a page, not JSON: the token cannot verify, a 401 (not a
    500) that says only the token is invalid."""
    broken = Starlette(routes=[Route("/.well-known/jwks.json", keys_not_json)])
    async with serving(broken) as keys_url:
        settings = cloud_run.settings.model_copy(
            update={"onboarding_codec_cloud_jwks_url": f"{keys_url}/.well-known/jwks.json"}
        )
        async with serving(create_app(settings, f"staff-{uuid.uuid4().hex}")) as web_url:
            run = CloudRun(web_url, settings, cloud_run.signing_key, cloud_run.staff_email)
            answer = await decode_from_cloud(
                run, access_token(cloud_run.signing_key, cloud_run.staff_email)
            )
    assert answer.status_code == 401
    assert answer.json()["detail"] == "invalid token"


def test_a_policy_without_issuer_or_audience_is_refused() -> None:
    """Trusting Cloud's tokens with no issuer or no audience to check is refused outright."""
    for issuer, audience in ((ISSUER, None), (None, "https://saas-api.tmprl.cloud")):
        with pytest.raises(ValueError, match="issuer and audience"):
            CloudTokenPolicy("https://keys.example/jwks.json", issuer, audience)
