"""Contract fakes of the three registries, in one Starlette app served in-process: the NTA
corporate-number Web-API v4 under /nta-corporate, the NTA qualified-invoice Web-API v1 under
/nta-invoice, VIES's REST API under /vies.

Tests seed records (`add_company`, `add_vat`), switch faults on (`outage`, `fault`), and
read `calls`, each request as sent, to count them and to see that only numbers went out.

    async with serve_registry_fakes() as fakes:
        fakes.add_company("5835678256246", "株式会社コントソ")
        ... fakes.settings ... fakes.environment() ...
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from registries.models import RegistrySettings
from tests.dataverse_fake import serving
from tests.registry_fake_records import (
    Corporation,
    InvoiceRegistration,
    Records,
    VatRecord,
    corporations_xml,
    invoice_json,
    vies_error,
    vies_json,
)

APPLICATION_ID = "FakeAppId0001"
XML = "application/xml; charset=utf-8"
Fault = Literal["throttle", "garbage", "html", "huge", "wrong_type", "slow", "hang_up"]
RegistryName = Literal["nta_corporate", "nta_invoice", "vies"]
SLOW_SECONDS = 30
HUGE_BYTES = 2_000_000


@dataclass(frozen=True)
class Call:
    registry: RegistryName
    method: str
    path: str
    query: dict[str, str]
    body: bytes


class RegistryFakes:
    """The three registries, their records, their faults and the calls they received."""

    def __init__(self) -> None:
        self.records = Records()
        self.calls: list[Call] = []
        self.settings = RegistrySettings(
            nta_corporate_url="", nta_invoice_url="", vies_url="", timeout_seconds=5
        )
        self._outage = False
        self._faults: dict[RegistryName, Fault] = {}
        self._released = asyncio.Event()
        self.app = Starlette(
            routes=[
                Route("/nta-corporate/{version}/num", self._corporate, methods=["GET"]),
                Route("/nta-invoice/{version}/num", self._invoice, methods=["GET"]),
                Route("/vies/check-vat-number", self._vies, methods=["POST"]),
            ]
        )

    # Seeding.
    def add_company(
        self, number: str, name: str, *, closed_on: date | None = None, close_cause: str = "",
        successor: str = "", invoice: bool = True, cancelled_on: date | None = None,
        expired_on: date | None = None, furigana: str = "", en_name: str = "",
        street: str = "丸の内１丁目２－３",
    ) -> Corporation:  # fmt: skip
        """A corporation, and unless told otherwise its invoice registration (T + number)."""
        corporation = Corporation(
            number, name, street=street, furigana=furigana, en_name=en_name,
            closed_on=closed_on, close_cause=close_cause, successor=successor,
        )  # fmt: skip
        self.records.corporations[number] = corporation
        if invoice:
            address = f"{corporation.prefecture}{corporation.city}{street}"
            self.records.invoices[f"T{number}"] = InvoiceRegistration(
                f"T{number}", name, address, cancelled_on=cancelled_on, expired_on=expired_on
            )
        return corporation

    def add_vat(
        self, number: str, name: str = "---", address: str = "---", valid: bool = True
    ) -> None:
        self.records.vat[number] = VatRecord(number, valid, name, address)

    # Faults.
    def outage(self, on: bool) -> None:
        """Every registry answers 503 while on."""
        self._outage = on

    def fault(self, kind: Fault | None, *registries: RegistryName) -> None:
        """The registries named (all when none is) answer with `kind`; None clears."""
        for registry in registries or ("nta_corporate", "nta_invoice", "vies"):
            if kind is None:
                self._faults.pop(registry, None)
            else:
                self._faults[registry] = kind

    def environment(self) -> dict[str, str]:
        """The variables that point the app's Settings at the fakes."""
        return {
            "ONBOARDING_NTA_CORPORATE_API_URL": self.settings.nta_corporate_url,
            "ONBOARDING_NTA_INVOICE_API_URL": self.settings.nta_invoice_url,
            "ONBOARDING_VIES_API_URL": self.settings.vies_url,
            "ONBOARDING_NTA_APPLICATION_ID": APPLICATION_ID,
        }

    def calls_to(self, registry: RegistryName) -> list[Call]:
        return [call for call in self.calls if call.registry == registry]

    # HTTP.
    async def _answer_fault(self, registry: RegistryName) -> Response | None:
        if self._outage:
            return Response("Service Unavailable", 503, media_type="text/plain")
        fault = self._faults.get(registry)
        if fault is None:
            return None
        if fault == "hang_up":
            return _HangUp()
        if fault == "slow":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), SLOW_SECONDS)
            return None
        if fault == "throttle":
            if registry == "vies":
                return JSONResponse(vies_error("MS_MAX_CONCURRENT_REQ"), 500)
            return Response("Too Many Requests", 429, headers={"Retry-After": "1"})
        media = XML if registry == "nta_corporate" else "application/json"
        if fault == "huge":  # streamed, so no Content-Length warns of its size
            return StreamingResponse(_spaces(HUGE_BYTES), 200, media_type=media)
        bodies = {
            "garbage": (b"\x00\xff not an answer {<", media),
            "html": (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html"),
            "wrong_type": (b"count=1", "text/plain"),
        }
        body, media_type = bodies[fault]
        return Response(body, 200, media_type=media_type)

    async def _record(self, request: Request, registry: RegistryName) -> None:
        self.calls.append(
            Call(
                registry, request.method, request.url.path, dict(request.query_params),
                await request.body(),
            )
        )  # fmt: skip

    async def _corporate(self, request: Request) -> Response:
        await self._record(request, "nta_corporate")
        if faulty := await self._answer_fault("nta_corporate"):
            return faulty
        query = request.query_params
        if request.path_params["version"] != "4" or query.get("type") != "12":
            return Response("invalid request", 400, media_type="text/plain")
        if query.get("id") != APPLICATION_ID:
            return Response("invalid application id", 403, media_type="text/plain")
        numbers = query.get("number", "").split(",")
        if not numbers or not all(re.fullmatch(r"[0-9]{13}", n) for n in numbers):
            return Response("invalid number", 400, media_type="text/plain")
        found = [self.records.corporations[n] for n in numbers if n in self.records.corporations]
        return Response(corporations_xml(found, query.get("history") == "1"), media_type=XML)

    async def _invoice(self, request: Request) -> Response:
        await self._record(request, "nta_invoice")
        if faulty := await self._answer_fault("nta_invoice"):
            return faulty
        query = request.query_params
        if request.path_params["version"] != "1" or query.get("type") != "21":
            return Response("invalid request", 400, media_type="text/plain")
        if query.get("id") != APPLICATION_ID:
            return Response("invalid application id", 403, media_type="text/plain")
        numbers = query.get("number", "").split(",")
        if not all(re.fullmatch(r"T[0-9]{13}", n) for n in numbers):
            return Response("invalid number", 400, media_type="text/plain")
        found = [self.records.invoices[n] for n in numbers if n in self.records.invoices]
        return JSONResponse(invoice_json(found))

    async def _vies(self, request: Request) -> Response:
        await self._record(request, "vies")
        if faulty := await self._answer_fault("vies"):
            return faulty
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse(vies_error("INVALID_INPUT"), 400)
        country, number = body.get("countryCode"), body.get("vatNumber")
        if not isinstance(country, str) or not isinstance(number, str) or not number:
            return JSONResponse(vies_error("INVALID_INPUT"), 400)
        # A consultation number only for a request that names its requester (we never do).
        consultation = "WAPIAAAAZ1234567" if body.get("requesterNumber") else ""
        record = self.records.vat.get(country + number)
        return JSONResponse(vies_json(country, number, record, consultation))


class _HangUp(Response):
    """An answer cut off after its first byte: the connection closes mid-body."""

    def __init__(self) -> None:
        super().__init__(b"{", 200, headers={"Content-Length": "100000"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": b"{", "more_body": False})


async def _spaces(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 65536 + 1):
        yield b" " * 65536


@contextlib.asynccontextmanager
async def serve_registry_fakes() -> AsyncIterator[RegistryFakes]:
    """The fakes on a free port; `settings` points at them while they run."""
    fakes = RegistryFakes()
    async with serving(fakes.app) as url:
        fakes.settings = pointed_at(fakes.settings, url)
        try:
            yield fakes
        finally:
            fakes._released.set()


def pointed_at(settings: RegistrySettings, url: str) -> RegistrySettings:
    return settings.model_copy(
        update={
            "nta_corporate_url": f"{url}/nta-corporate",
            "nta_invoice_url": f"{url}/nta-invoice",
            "vies_url": f"{url}/vies",
            "nta_application_id": SecretStr(APPLICATION_ID),
        }
    )
