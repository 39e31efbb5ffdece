"""Personal data never reaches Temporal in plain text; staff can still read it."""

from __future__ import annotations

import base64
import contextlib
import json

import httpx
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from plumbing.codec import EncryptionCodec, parse_keys
from tests.api_helpers import poll, request_body
from tests.conftest import WebApp


def readable_text(history_json: str) -> str:
    """The history as text, with every base64 payload field decoded where it is UTF-8."""
    parts = [history_json]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            with contextlib.suppress(ValueError):  # not base64, or not text
                parts.append(base64.b64decode(node, validate=True).decode())

    walk(json.loads(history_json))
    return "\n".join(parts)


async def test_history_holds_no_personal_data(
    http: httpx.AsyncClient, web: WebApp, client: Client
) -> None:
    """A raw history, read without the key, contains none of the requester's strings."""
    body = request_body("ja")
    body["contact"].update(phone="+81 90 5555 0199", job_title="調達部長")
    body["comments"] = "毎月 300 個を予定しています"
    reference = (await http.post("/api/onboarding-requests", json=body)).json()["reference"]
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "lead_id")
    await http.post(
        f"/api/sales/leads/{onboarding['lead_id']}/disqualify",
        json={"reason": "Lost"}, headers=web.staff(),
    )  # fmt: skip
    await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")
    keyless = await Client.connect(web.settings.temporal_address)
    raw = readable_text((await keyless.get_workflow_handle(reference).fetch_history()).to_json())
    contact, company = body["contact"], body["company"]
    secrets = [
        contact["first_name"], contact["last_name"], contact["email"], contact["phone"],
        contact["job_title"], body["comments"], company["phone"], company["tax_id"],
        company["address"]["line1"], company["website"],
    ]  # fmt: skip
    for secret in secrets:
        assert secret not in raw, secret
    assert "binary/encrypted" in raw


async def test_codec_endpoint_decodes_for_staff_only(
    http: httpx.AsyncClient, web: WebApp, client: Client
) -> None:
    """The UI's codec endpoint decrypts a stored payload with the token, and 401s without."""
    body = request_body()
    reference = (await http.post("/api/onboarding-requests", json=body)).json()["reference"]
    history = await client.get_workflow_handle(reference).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    encoded = [
        {"metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
         "data": base64.b64encode(p.data).decode()}
        for p in started.input.payloads
    ]  # fmt: skip
    denied = await http.post("/codec/decode", json={"payloads": encoded})
    decoded = await http.post("/codec/decode", json={"payloads": encoded}, headers=web.staff())
    assert denied.status_code == 401
    assert decoded.status_code == 200
    data = base64.b64decode(decoded.json()["payloads"][0]["data"])
    assert json.loads(data)["request"]["contact"]["email"] == body["contact"]["email"]
    await http.delete(f"/api/onboarding-requests/{reference}", headers=web.staff())


async def test_codec_endpoint_allows_the_temporal_ui_origin(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """A CORS preflight from the Temporal UI's origin is allowed with credentials."""
    origin = web.settings.onboarding_temporal_ui_url.rstrip("/")
    response = await http.options(
        "/codec/decode",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,x-namespace"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_old_key_still_decrypts_after_rotation() -> None:
    """Payloads sealed with a retired key still open; new ones use the active key."""
    keys = parse_keys(
        "old:"
        + base64.b64encode(b"o" * 32).decode()
        + ",new:"
        + base64.b64encode(b"n" * 32).decode()
    )
    before = EncryptionCodec({"old": keys["old"]}, "old")
    after = EncryptionCodec(keys, "new")
    payload = Payload(metadata={"encoding": b"json/plain"}, data=b'{"email": "a@b.example"}')
    sealed = await before.encode([payload])
    assert await after.decode(sealed) == [payload]
    resealed = await after.encode([payload])
    assert resealed[0].metadata["encryption-key-id"] == b"new"
    assert b"a@b.example" not in resealed[0].data


async def test_unencrypted_payloads_pass_through() -> None:
    """Histories written before encryption still decode."""
    codec = EncryptionCodec(parse_keys("k:" + base64.b64encode(b"k" * 32).decode()), "k")
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b"{}")
    assert await codec.decode([plain]) == [plain]
