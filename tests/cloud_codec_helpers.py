"""Temporal Cloud as the codec's tests need it: its signing keys served, a staff member, the
web app trusting those keys, and the UI's call with an access token."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
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
AUDIENCE = "https://saas-api.tmprl.cloud"
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
        assert await factors.begin_enrolment("staff", account.id, b"s" * 20, "no-session")
        # Any code is right here: this enrols without an authenticator app.
        assert await factors.confirm_enrolment("staff", account.id, lambda _s, _l: 1, [])
    return email


async def keys_not_json(_: Request) -> PlainTextResponse:
    """What a captive portal or a misrouted proxy might answer in place of the keys."""
    return PlainTextResponse("<html>Service unavailable</html>", media_type="text/html")


def access_token(key: rsa.RSAPrivateKey, email: str, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
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


@contextlib.asynccontextmanager
async def cloud_codec_run(settings: Settings, stores: Stores) -> AsyncIterator[CloudRun]:
    """The web app trusting Cloud's origin, keys, issuer and audience, and a staff member."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with serving(jwks_app(key)) as keys_url:
        run_settings = settings.model_copy(
            update={
                "onboarding_codec_cloud_origin": CLOUD,
                "onboarding_codec_cloud_jwks_url": f"{keys_url}/.well-known/jwks.json",
                "onboarding_codec_cloud_issuer": ISSUER,
                "onboarding_codec_cloud_audience": AUDIENCE,
            }
        )
        async with serving(create_app(run_settings, f"staff-{uuid.uuid4().hex}")) as web_url:
            yield CloudRun(web_url, run_settings, key, await active_staff(stores, settings))
