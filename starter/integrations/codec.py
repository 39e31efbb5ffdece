"""Remote codec for the Temporal UI: staff can read decrypted payloads there.

Speaks the UI's codec protocol: POST /codec/encode and /codec/decode with
{"payloads": [...]} in Temporal's JSON form.

Outside dev only staff may call it: the UI behind the same origin sends the staff session,
and Temporal Cloud's UI (ONBOARDING_CODEC_CLOUD_ORIGIN) the Cloud user's access token, which
must name an active staff account.
The dev run's UI cannot send our cookie (its CLI has no "include credentials" option), so
in dev a call from the UI's origin on this machine's loopback is let through: it decrypts
with the fixed dev key, which protects nothing a developer could not read anyway.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from plumbing.settings import Settings
from starter.common.auth import ServicesDep, bearer, require_staff
from starter.services.cloud_codec import CloudCodecAccess, NotStaff, UntrustedToken
from starter.services.codec import UnreadablePayloads

log = logging.getLogger(__name__)
router = APIRouter(prefix="/codec", include_in_schema=False)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
DEV_UI_READER = "temporal-ui (dev)"


def ui_origins(settings: Settings) -> list[str]:
    """Origins the Temporal UI is served from; in dev, its port under every loopback name."""
    ui = urlsplit(settings.onboarding_temporal_ui_url)
    origins = [f"{ui.scheme}://{ui.netloc}"]
    if settings.onboarding_environment == "dev" and ui.hostname in (
        "localhost",
        "127.0.0.1",
        "::1",
    ):
        port = f":{ui.port}" if ui.port else ""
        origins += [f"{ui.scheme}://{name}{port}" for name in LOOPBACK_NAMES]
    return list(dict.fromkeys(origins))


def codec_origins(settings: Settings) -> list[str]:
    """Origins that may call the codec with credentials: the UI's, and Temporal Cloud's."""
    cloud = settings.onboarding_codec_cloud_origin
    return ui_origins(settings) + ([cloud] if cloud else [])


def _from_dev_ui(request: Request, settings: Settings) -> bool:
    if settings.onboarding_environment != "dev" or request.client is None:
        return False
    try:
        loopback = ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False
    return loopback and request.headers.get("origin") in ui_origins(settings)


async def require_codec_reader(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """Staff, or in dev the local Temporal UI; 401 otherwise."""
    if _from_dev_ui(request, services.settings):
        return DEV_UI_READER
    cloud = services.cloud_codec
    if (
        cloud is not None
        and request.headers.get("origin") == services.settings.onboarding_codec_cloud_origin
    ):
        return await _cloud_reader(cloud, credentials)
    return await require_staff(request, services, credentials)


async def _cloud_reader(
    cloud: CloudCodecAccess, credentials: HTTPAuthorizationCredentials | None
) -> str:
    """The staff account of Temporal Cloud's user: only their access token counts here."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(status_code=401, detail="access token required", headers=challenge)
    try:
        return await cloud.reader(credentials.credentials)
    except UntrustedToken as err:
        # Why it failed is for our log: the caller learns nothing that helps forge the next.
        log.info("a Cloud access token was refused: %s", err)
        raise HTTPException(status_code=401, detail="invalid token", headers=challenge) from err
    except NotStaff as err:
        raise HTTPException(status_code=403, detail=str(err)) from err


CodecReaderDep = Annotated[str, Depends(require_codec_reader)]


def _unreadable(err: UnreadablePayloads) -> Response:
    # The caller's payloads are at fault (tampered, or not ours), not the codec: a 400.
    return Response(str(err), status_code=400, media_type="text/plain")


@router.post("/decode")
async def decode(request: Request, services: ServicesDep, _: CodecReaderDep) -> Response:
    try:
        decoded = await services.codec.decode(await request.body())
    except UnreadablePayloads as err:
        return _unreadable(err)
    return Response(decoded, media_type="application/json")


@router.post("/encode")
async def encode(request: Request, services: ServicesDep, _: CodecReaderDep) -> Response:
    try:
        encoded = await services.codec.encode(await request.body())
    except UnreadablePayloads as err:
        return _unreadable(err)
    return Response(encoded, media_type="application/json")
