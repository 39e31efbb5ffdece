"""Temporal Cloud's UI reads payloads through the codec with the Cloud user's access token:
only a token signed by the published keys, still valid, of an active staff member."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import rsa
from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.api.common.v1 import Payload, Payloads

from accounts.sealing import KeyRing
from accounts.tokens import new_token, token_hash
from commerce.accounts import LinkGrant
from plumbing.codec import parse_keys
from plumbing.settings import Settings
from plumbing.stores import Stores
from starter.app import create_app
from starter.services.cloud_codec import EMAIL_CLAIMS
from starter.services.second_factor import SEALING_PURPOSE
from tests.conftest import serving

CLOUD = "https://cloud.temporal.io"
ISSUER = "https://login.tmprl.cloud/"
KID = "cloud-key-1"
PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"company": "Cloud Trading"}')


@dataclass(frozen=True)
class CloudRun:
    web_url: str
    settings: Settings
    signing_key: rsa.RSAPrivateKey
    staff_email: str


def jwks_app(key: rsa.RSAPrivateKey) -> Starlette:
    """Serves the public half of the key as Temporal Cloud serves its signing keys."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    document = {"keys": [{**public, "kid": KID, "use": "sig", "alg": "RS256"}]}

    async def keys(_: Request) -> JSONResponse:
        return JSONResponse(document)

    return Starlette(routes=[Route("/.well-known/jwks.json", keys)])


async def active_staff(stores: Stores, settings: Settings, *, with_factor: bool = True) -> str:
    """A staff account that has set its password, so is active, and (unless told otherwise)
    enrolled its second factor; its email."""
    store = stores.commerce_store()
    email = f"cloud.staff.{uuid.uuid4().hex[:10]}@shop.example"
    account = await store.accounts.add_staff(f"STF-{uuid.uuid4().hex[:20]}", email, "Cloud Rep")
    token = new_token()
    grant = LinkGrant(
        audience="staff",
        account_id=account.id,
        purpose="activation",
        token_hash=token_hash(token),
        lifetime=timedelta(days=1),
    )
    await store.accounts.issue_link(grant)
    assert await store.accounts.set_password_with_link(token_hash(token), "not-a-real-hash")
    if with_factor:
        sealer = KeyRing(
            parse_keys(settings.onboarding_encryption_keys),
            settings.onboarding_encryption_key_id,
            purpose=SEALING_PURPOSE,
        )
        factors = store.second_factors(sealer)
        assert await factors.begin_enrolment("staff", account.id, b"s" * 20)
        # Any code is right here: this enrols without an authenticator app.
        assert await factors.confirm_enrolment("staff", account.id, lambda _s, _l: 1, [])
    return email


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def cloud_run(settings: Settings, stores: Stores) -> AsyncIterator[CloudRun]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with serving(jwks_app(key)) as keys_url:
        run_settings = settings.model_copy(
            update={
                "onboarding_codec_cloud_origin": CLOUD,
                "onboarding_codec_cloud_jwks_url": f"{keys_url}/.well-known/jwks.json",
                "onboarding_codec_cloud_issuer": ISSUER,
            }
        )
        async with serving(create_app(run_settings, f"staff-{uuid.uuid4().hex}")) as web_url:
            yield CloudRun(web_url, run_settings, key, await active_staff(stores, settings))


def access_token(key: rsa.RSAPrivateKey, email: str, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "sub": "auth0|cloud-user",
        EMAIL_CLAIMS[0]: email,
        "iat": now,
        "exp": now + 300,
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": KID})


async def decode_from_cloud(run: CloudRun, token: str | None) -> httpx.Response:
    sealed = await run.settings.codec().encode([PLAIN])
    body = json.loads(json_format.MessageToJson(Payloads(payloads=sealed)))
    headers = {"Origin": CLOUD, "X-Namespace": "acme.a1b2c"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(base_url=run.web_url) as http:
        return await http.post("/codec/decode", json=body, headers=headers)


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


async def test_a_token_signed_by_another_key_is_refused(cloud_run: CloudRun) -> None:
    """The same claims and key id, signed by a key Cloud did not publish: 401."""
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    answer = await decode_from_cloud(cloud_run, access_token(forger, cloud_run.staff_email))
    assert answer.status_code == 401
    assert "Signature verification failed" in answer.json()["detail"]


async def test_an_expired_token_is_refused(cloud_run: CloudRun) -> None:
    """A token past its exp: 401."""
    past = int(time.time()) - 600
    token = access_token(cloud_run.signing_key, cloud_run.staff_email, iat=past - 300, exp=past)
    answer = await decode_from_cloud(cloud_run, token)
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


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
