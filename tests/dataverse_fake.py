"""A contract fake of Dynamics 365 Sales: the Dataverse Web API v9.2, the Microsoft identity
platform's client-credentials token endpoint, and Dataverse's webhook deliveries.

Tests read its tables, schedule faults, and play the salesperson (`qualify`, `win`, ...),
whose webhook bodies `deliver` posts the way Dataverse does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from tests import dataverse_payloads as dv
from tests.dataverse_fake_identity import IdentityPlatform
from tests.dataverse_fake_records import API, TABLES, Tables, error, guid, unsupported

THROTTLED = (
    "0x80072322",
    "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
)
UNEXPECTED = ("0x80040216", "An unexpected error occurred.")
METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]
RETRIED = (502, 503, 504)


class DataverseFake:
    """One Dataverse environment, its tenant's token endpoint, and its salesperson."""

    def __init__(
        self, *, client_id: str = "client-id", client_secret: str = "client-secret",
        tenant_id: str = "tenant-id",
    ) -> None:  # fmt: skip
        self.tenant_id = tenant_id
        self.url = self.token_url = ""
        self._identity = IdentityPlatform(client_id, client_secret, tenant_id)
        self._tables = Tables()
        sets = self._tables.sets
        self.leads, self.annotations = sets["leads"], sets["annotations"]
        self.opportunities, self.accounts = sets["opportunities"], sets["accounts"]
        self.contacts = sets["contacts"]
        self.requests: list[tuple[str, str, int]] = []
        self._faults: list[tuple[int, int | None, str, str]] = []
        self._outage: int | None = None
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=METHODS)])

    @property
    def tokens_issued(self) -> int:
        return self._identity.issued

    # Faults.
    def answer_next(
        self, status: int, *, count: int = 1, retry_after: int | None = None,
        code: str | None = None, message: str | None = None,
    ) -> None:  # fmt: skip
        """The next `count` API calls answer `status`; a 429 reads as the service protection."""
        default = THROTTLED if status == 429 else UNEXPECTED
        self._faults += [(status, retry_after, code or default[0], message or default[1])] * count

    def outage(self, on: bool, status: int = 503) -> None:
        self._outage = status if on else None

    def reject_client(self, on: bool) -> None:
        self._identity.reject_client = on

    def expire_tokens(self) -> None:
        self._identity.expire_all()

    # HTTP.
    async def _handle(self, request: Request) -> Response:
        response = await self._answer(request)
        query = unquote(request.url.query)
        path = request.url.path + (f"?{query}" if query else "")
        self.requests.append((request.method, path, response.status_code))
        return response

    async def _answer(self, request: Request) -> Response:
        token = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", request.url.path)
        if token and request.method == "POST":
            return await self._identity.token(request, token.group(1), self.url)
        if self._outage is not None:
            return error(self._outage, *UNEXPECTED)
        if self._faults:
            status, retry_after, code, message = self._faults.pop(0)
            later = {} if retry_after is None else {"Retry-After": str(retry_after)}
            return error(status, code, message, later)
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not self._identity.accepts(bearer):
            # An absent, unknown or expired token: an empty 401 with the authority to ask.
            authority = f"{self.url}/{self.tenant_id}/oauth2/authorize"
            challenge = f"Bearer authorization_uri={authority}, resource_id={self.url}/"
            return Response(status_code=401, headers={"WWW-Authenticate": challenge})
        versions = (request.headers.get("OData-MaxVersion"), request.headers.get("OData-Version"))
        if versions != ("4.0", "4.0"):
            # The docs ask for both headers on every request and say nothing of their absence;
            # the fake is stricter than the service and refuses the request.
            return error(400, "0x0", "OData-MaxVersion and OData-Version must both be 4.0.")
        return await self._route(request)

    async def _route(self, request: Request) -> Response:
        path, method, query = request.url.path, request.method, request.query_params
        rest = path.removeprefix(API) if path.startswith(API) else path
        allowed = {"$select", "$filter"} if rest == "annotations" else {"$select"}
        options = [name for name in query if name.startswith("$")]
        if stray := [name for name in options if name not in allowed or method != "GET"]:
            return unsupported(stray[0])
        if (answer := await self._function_or_action(request, rest)) is not None:
            return answer
        if rest == "annotations" and method == "GET":
            return self._tables.notes(query)
        if rest == "annotations" and method == "POST":
            return self._tables.create_note(await _json(request))
        match = re.fullmatch(r"(\w+)\((.*)\)", rest)
        entity_set = match.group(1) if match else rest
        if match is None or entity_set not in TABLES or not path.startswith(API):
            return error(404, "0x8006088a", f"Resource not found for the segment '{entity_set}'.")
        if (key := guid(match.group(2))) is None:
            return error(400, "0x80060888", "Bad Request - Error in query syntax.")
        if method == "GET":
            return self._tables.retrieve(entity_set, key, query)
        if method == "DELETE":
            return self._tables.delete(entity_set, key)
        if method == "PATCH" and entity_set == "leads":
            return self._tables.upsert_lead(key, await _json(request), request.headers)
        # Dataverse allows more; the fake refuses what it does not model rather than guess.
        return error(405, "0x80060888", f"The fake does not model {method} on {entity_set}.")

    async def _function_or_action(self, request: Request, rest: str) -> Response | None:
        """WhoAmI, and the QualifyLead, WinOpportunity and LoseOpportunity actions; None for
        any other path."""
        if rest == "WhoAmI" and request.method == "GET":
            ids = {"BusinessUnitId": str(uuid.uuid4()), "UserId": str(uuid.uuid4()),
                   "OrganizationId": str(uuid.uuid4())}  # fmt: skip
            return JSONResponse(ids, headers={"OData-Version": "4.0"})
        if request.method != "POST":
            return None
        qualify = re.fullmatch(r"leads\((.*)\)/Microsoft\.Dynamics\.CRM\.QualifyLead", rest)
        if qualify:
            key = guid(qualify.group(1))
            if key is None or key not in self.leads:
                return error(404, "0x80040217", f"lead With Id = {qualify.group(1)} Does Not Exist")
            if self.leads[key]["statecode"] != 0:
                return error(400, "0x80040203", "The lead is closed. You cannot qualify it.")
            self.qualify(key)
            lead = self.leads[key]
            opportunity = self.opportunities[lead["_qualifyingopportunityid_value"]]
            created = [("account", opportunity["_parentaccountid_value"]),
                       ("contact", opportunity["_parentcontactid_value"]),
                       ("opportunity", opportunity["opportunityid"])]  # fmt: skip
            value = [{"@odata.type": f"#Microsoft.Dynamics.CRM.{name}", f"{name}id": record}
                     for name, record in created]  # fmt: skip
            return JSONResponse({"value": value}, headers={"OData-Version": "4.0"})
        if rest in ("WinOpportunity", "LoseOpportunity"):
            body = await _json(request)
            close = body.get("OpportunityClose") if isinstance(body, dict) else None
            bind = close.get("opportunityid@odata.bind", "") if isinstance(close, dict) else ""
            found = re.fullmatch(r"(?:.*/api/data/v9\.2)?/opportunities\((.*)\)", str(bind))
            key = guid(found.group(1)) if found else None
            if key is None or key not in self.opportunities:
                return error(404, "0x80040217", f"opportunity With Id = {key} Does Not Exist")
            status = body.get("Status")
            allowed = (3,) if rest == "WinOpportunity" else (4, 5)
            if status not in allowed:
                return error(400, "0x80044331", f"The value {status} of Status is not valid.")
            record = self.opportunities[key]
            if record["statecode"] != 0:
                return error(400, "0x80040203", "The opportunity is already closed.")
            state = 1 if rest == "WinOpportunity" else 2
            self._tables.change(record, statecode=state, statuscode=status)
            return Response(status_code=204)
        return None

    # The salesperson, in Dynamics 365 Sales.
    def qualify(self, lead_id: str) -> tuple[str, dict[str, Any]]:
        """Qualify: an account, a contact and an opportunity from the lead, which is qualified."""
        key, create = lead_id.lower(), self._tables.create
        lead = self._open(self.leads, key)
        account = create("accounts", name=lead.get("companyname"), statecode=0, statuscode=1)
        person = ("firstname", "lastname", "emailaddress1", "jobtitle", "telephone1")
        contact = create(
            "contacts", **{name: lead.get(name) for name in person}, statecode=0, statuscode=1,
            _parentcustomerid_value=account["accountid"],
        )  # fmt: skip
        opportunity = create(
            "opportunities", name=lead.get("subject"), statecode=0, statuscode=1,
            _originatingleadid_value=key, _parentaccountid_value=account["accountid"],
            _parentcontactid_value=contact["contactid"],
        )  # fmt: skip
        opportunity_id = opportunity["opportunityid"]
        self._tables.change(
            lead, statecode=1, statuscode=3, _qualifyingopportunityid_value=opportunity_id
        )
        created = [("account", account["accountid"]), ("contact", contact["contactid"]),
                   ("opportunity", opportunity_id)]  # fmt: skip
        return opportunity_id, dv.qualify_lead(key, created)

    def disqualify(self, lead_id: str, statuscode: int = 6) -> dict[str, Any]:
        """Disqualify the lead with a reason: 4 Lost, 5 Cannot Contact, 6 No Longer Interested,
        7 Canceled."""
        if statuscode not in (4, 5, 6, 7):
            raise ValueError(f"{statuscode} is no status reason of a disqualified lead")
        self._open(self.leads, lead_id)
        return self.set_state_update("lead", lead_id, 2, statuscode)

    def win(self, opportunity_id: str) -> dict[str, Any]:
        key = opportunity_id.lower()
        self._tables.change(self._open(self.opportunities, key), statecode=1, statuscode=3)
        return dv.close_opportunity("Win", key, 3)

    def lose(self, opportunity_id: str, statuscode: int = 4) -> dict[str, Any]:
        """Close the opportunity as lost: 4 Canceled, 5 Out-Sold."""
        if statuscode not in (4, 5):
            raise ValueError(f"{statuscode} is no status reason of a lost opportunity")
        key = opportunity_id.lower()
        record = self._open(self.opportunities, key)
        self._tables.change(record, statecode=2, statuscode=statuscode)
        return dv.close_opportunity("Lose", key, statuscode)

    @staticmethod
    def _open(table: dict[str, dict[str, Any]], record_id: str) -> dict[str, Any]:
        """The record, if open: Dynamics 365 qualifies, disqualifies and closes no other."""
        record = table[record_id.lower()]
        if record["statecode"] != 0:
            raise ValueError(f"{record_id} is not open (statecode {record['statecode']})")
        return record

    def set_state_update(
        self, entity: str, record_id: str, statecode: int, statuscode: int
    ) -> dict[str, Any]:
        """An Update of statecode and statuscode on a lead or opportunity, applied."""
        key = record_id.lower()
        record = {"lead": self.leads, "opportunity": self.opportunities}[entity][key]
        self._tables.change(record, statecode=statecode, statuscode=statuscode)
        state = {"statecode": dv.option(statecode), "statuscode": dv.option(statuscode)}
        return dv.update(entity, key, state)

    async def deliver(self, webhook_url: str, secret: str, context: dict[str, Any]) -> list[int]:
        """Post a context as a webhook step with HttpHeader authentication does; a delivery
        answered 502, 503 or 504 is retried once. The statuses received, in order."""
        headers = {
            "X-Webhook-Secret": secret,
            "x-request-id": str(context.get("RequestId", "")),
            "x-ms-correlation-request-id": str(context.get("CorrelationId", "")),
            "x-ms-dynamics-organization": urlsplit(self.url).hostname or "",
            "x-ms-dynamics-entity-name": str(context.get("PrimaryEntityName", "")),
            "x-ms-dynamics-request-name": str(context.get("MessageName", "")),
        }
        statuses: list[int] = []
        async with httpx.AsyncClient(timeout=60) as client:
            for _attempt in range(2):
                response = await client.post(webhook_url, json=context, headers=headers)
                statuses.append(response.status_code)
                if response.status_code not in RETRIED:
                    break
        return statuses


async def _json(request: Request) -> Any:
    """The request's JSON body; None for a body that is not JSON."""
    try:
        return json.loads(await request.body())
    except ValueError:
        return None


class _Server(uvicorn.Server):
    """A uvicorn server that says when its startup has ended, started or not."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.startup_ended = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.startup_ended.set()


@contextlib.asynccontextmanager
async def serving(app: ASGIApp) -> AsyncIterator[str]:
    """Serve an ASGI app in-process on 127.0.0.1 and a free port; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off", ws="none"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            await asyncio.wait_for(server.startup_ended.wait(), 30)
            if not server.started:
                raise RuntimeError("uvicorn did not start")
            yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
            await task


@contextlib.asynccontextmanager
async def serve(fake: DataverseFake) -> AsyncIterator[DataverseFake]:
    """Serve the fake; its url and token_url are set while it runs."""
    async with serving(fake.app) as url:
        fake.url, fake.token_url = url, f"{url}/{fake.tenant_id}/oauth2/v2.0/token"
        fake._tables.base = f"{url}{API}"
        yield fake
