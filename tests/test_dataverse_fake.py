"""The Dataverse fake keeps the contract it stands in for, so tests built on it can trust it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests import dataverse_payloads as dv
from tests.dataverse_fake import DataverseFake, serve, serving

ODATA = {"OData-MaxVersion": "4.0", "OData-Version": "4.0"}
LEAD = {"subject": "Partner: Contoso", "lastname": "Doe", "companyname": "Contoso"}


@pytest.fixture
async def fake() -> AsyncIterator[DataverseFake]:
    async with serve(DataverseFake()) as served:
        yield served


def credentials(fake: DataverseFake, **changes: str) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": "client-id",
            "client_secret": "client-secret", "scope": f"{fake.url}/.default"}  # fmt: skip
    return form | changes


@pytest.fixture
async def api(fake: DataverseFake) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the Web API holding a token, as DATAVERSE_URL's client would."""
    async with httpx.AsyncClient(base_url=f"{fake.url}/api/data/v9.2/", headers=ODATA) as client:
        token = (await client.post(fake.token_url, data=credentials(fake))).json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        yield client


async def test_api_calls_need_a_token(fake: DataverseFake) -> None:
    """A call without a bearer token is an empty 401 with a Bearer challenge."""
    async with httpx.AsyncClient(headers=ODATA) as client:
        response = await client.get(f"{fake.url}/api/data/v9.2/leads({uuid.uuid4()})")
    assert (response.status_code, response.content) == (401, b"")
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


async def test_token_scope_must_be_the_environment(fake: DataverseFake) -> None:
    """A scope other than <DATAVERSE_URL>/.default is refused with invalid_scope."""
    form = credentials(fake, scope="https://graph.microsoft.com/.default")
    async with httpx.AsyncClient() as client:
        response = await client.post(fake.token_url, data=form)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")
    assert fake.tokens_issued == 0


async def test_create_only_upsert_of_an_existing_lead_is_412(
    api: httpx.AsyncClient, fake: DataverseFake
) -> None:
    """PATCH with If-None-Match: * creates once; the second is 412 and changes nothing."""
    lead_id, create_only = str(uuid.uuid4()), {"If-None-Match": "*"}
    first = await api.patch(f"leads({lead_id})", json=LEAD, headers=create_only)
    again = await api.patch(f"leads({lead_id})", json={"lastname": "Roe"}, headers=create_only)
    assert (first.status_code, again.status_code) == (204, 412)
    assert first.headers["OData-EntityId"] == f"{fake.url}/api/data/v9.2/leads({lead_id})"
    assert again.json()["error"]["code"] == "0x80060882"
    assert fake.leads[lead_id]["lastname"] == "Doe"


async def test_an_unknown_column_is_400_with_dataverse_error(api: httpx.AsyncClient) -> None:
    """A property the lead table lacks is refused, naming it."""
    response = await api.patch(f"leads({uuid.uuid4()})", json={**LEAD, "vatnumber": "X1"})
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "0x80060888", "message": (
        "Could not find a property named 'vatnumber' on type 'Microsoft.Dynamics.CRM.lead'."
    )}}  # fmt: skip


async def test_qualify_creates_an_opportunity_from_the_lead(
    api: httpx.AsyncClient, fake: DataverseFake
) -> None:
    """Qualifying opens an opportunity that points at the lead, and qualifies the lead."""
    lead_id = str(uuid.uuid4()).upper()
    await api.patch(f"leads({lead_id})", json=LEAD)
    opportunity_id, context = fake.qualify(lead_id)
    response = await api.get(f"opportunities({opportunity_id})")
    assert response.json()["_originatingleadid_value"] == lead_id.lower()
    assert (fake.leads[lead_id.lower()]["statecode"], context["MessageName"]) == (1, "QualifyLead")


async def test_throttling_carries_retry_after(api: httpx.AsyncClient, fake: DataverseFake) -> None:
    """A scheduled 429 is the service-protection error with its Retry-After; then calls pass."""
    fake.answer_next(429, retry_after=7)
    throttled = await api.get(f"leads({uuid.uuid4()})")
    after = await api.get(f"leads({uuid.uuid4()})")
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "7")
    assert throttled.json()["error"]["code"] == "0x80072322"
    assert after.status_code == 404


async def test_expired_tokens_get_401(api: httpx.AsyncClient, fake: DataverseFake) -> None:
    """Once the tokens expire, the next call with one is 401."""
    fake.expire_tokens()
    assert (await api.get(f"leads({uuid.uuid4()})")).status_code == 401


async def test_deliver_retries_once_on_503(fake: DataverseFake) -> None:
    """A delivery answered 503 is posted once more, with the secret header each time."""
    seen: list[dict[str, Any]] = []

    async def receive(request: Request) -> Response:
        seen.append({"secret": request.headers.get("X-Webhook-Secret"), **await request.json()})
        return Response(status_code=503 if len(seen) == 1 else 200)

    win = dv.close_opportunity("Win", str(uuid.uuid4()), 3)
    receiver = Starlette(routes=[Route("/hook", receive, methods=["POST"])])
    async with serving(receiver) as url:
        statuses = await fake.deliver(f"{url}/hook", "s3cret", win)
    assert statuses == [503, 200]
    assert [(s["secret"], s["MessageName"]) for s in seen] == [("s3cret", "Win")] * 2
