"""The Temporal UI's codec answers 400, naming the fault, to payloads that were tampered with
or are not ours; never a 500."""

from __future__ import annotations

import base64
import json
import os

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload

from plumbing.codec import KEY_ID, parse_keys
from tests.conftest import WebApp

PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"email": "a@b.example"}')


def as_json(*payloads: Payload) -> bytes:
    """Payloads in the JSON form the Temporal UI sends."""
    encoded = [
        {
            "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
            "data": base64.b64encode(p.data).decode(),
        }
        for p in payloads
    ]
    return json.dumps({"payloads": encoded}).encode()


async def sealed(web: WebApp) -> Payload:
    [payload] = await web.settings.codec().encode([PLAIN])
    return payload


async def decode(http: httpx.AsyncClient, web: WebApp, body: bytes) -> httpx.Response:
    return await http.post(
        "/codec/decode",
        content=body,
        headers={**web.staff(), "Content-Type": "application/json"},
    )


async def test_an_untouched_payload_decodes(http: httpx.AsyncClient, web: WebApp) -> None:
    """The sealed payload the tampering tests start from opens: 200 and the plain payload."""
    response = await decode(http, web, as_json(await sealed(web)))
    assert response.status_code == 200
    assert base64.b64decode(response.json()["payloads"][0]["data"]) == PLAIN.data


async def test_a_flipped_bit_fails_the_seals_check(http: httpx.AsyncClient, web: WebApp) -> None:
    """One bit changed in the sealed bytes (AES-GCM's InvalidTag): 400."""
    payload = await sealed(web)
    payload.data = payload.data[:-1] + bytes([payload.data[-1] ^ 1])
    response = await decode(http, web, as_json(payload))
    assert response.status_code == 400
    assert "does not open" in response.text


async def test_a_seal_around_no_payload_is_refused(http: httpx.AsyncClient, web: WebApp) -> None:
    """Bytes sealed with our key that are no payload (protobuf's DecodeError): 400."""
    key_id = web.settings.onboarding_encryption_key_id
    key = parse_keys(web.settings.onboarding_encryption_keys)[key_id]
    nonce = os.urandom(12)
    payload = Payload(
        metadata={"encoding": b"binary/encrypted", KEY_ID: key_id.encode()},
        data=nonce + AESGCM(key).encrypt(nonce, b"\xff\xff\xff", None),
    )
    response = await decode(http, web, as_json(payload))
    assert response.status_code == 400
    assert "opens to no payload" in response.text


async def test_an_unknown_key_id_is_refused(http: httpx.AsyncClient, web: WebApp) -> None:
    """A payload naming a key the app does not hold: 400 naming the key."""
    payload = await sealed(web)
    payload.metadata[KEY_ID] = b"no-such-key"
    response = await decode(http, web, as_json(payload))
    assert response.status_code == 400
    assert "no-such-key" in response.text


async def test_sealed_bytes_cut_short_are_refused(http: httpx.AsyncClient, web: WebApp) -> None:
    """A sealed payload shorter than its nonce: 400."""
    payload = await sealed(web)
    payload.data = payload.data[:5]
    assert (await decode(http, web, as_json(payload))).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b'{"payloads": [{"metadata": {}, "data": "a"}]}',
        b'{"payloads": [',
        b"\xff\xfe not UTF-8",
    ],
    ids=["bad base64", "bad JSON", "not UTF-8"],
)
async def test_a_body_that_is_not_payloads_is_refused(
    http: httpx.AsyncClient, web: WebApp, body: bytes
) -> None:
    """Unreadable payloads, to decode or to encode: 400 starting "payloads:"."""
    for path in ("/codec/decode", "/codec/encode"):
        response = await http.post(path, content=body, headers=web.staff())
        assert response.status_code == 400, path
        assert response.text.startswith("payloads: "), path
