"""Every bad answer of a registry is `RegistryUnavailable` (pending, asked again later), with
its reason; never a verdict on the number, never another exception."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from registries.check import check_number
from registries.models import Registry, RegistrySettings, RegistryUnavailable
from tests.registry_fakes import Fault, RegistryFakes, serve_registry_fakes

NOW = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
NUMBERS: dict[Registry, str] = {
    "nta_corporate": "5835678256246",
    "nta_invoice": "T5835678256246",
    "vies": "DE136695976",
}
REGISTRIES = list(NUMBERS)


@pytest_asyncio.fixture(loop_scope="session")
async def fakes() -> AsyncIterator[RegistryFakes]:
    async with serve_registry_fakes() as fakes:
        fakes.add_company(NUMBERS["nta_corporate"], "株式会社コントソ")
        fakes.add_vat(NUMBERS["vies"], "Fabrikam GmbH")
        yield fakes


async def reason_of(settings: RegistrySettings, registry: Registry) -> str:
    async with httpx.AsyncClient() as http:
        with pytest.raises(RegistryUnavailable) as raised:
            await check_number(http, settings, registry, NUMBERS[registry], "x", None, NOW)
    assert raised.value.registry == registry
    return raised.value.reason


@pytest.mark.parametrize("registry", REGISTRIES)
async def test_an_outage_is_unavailable(fakes: RegistryFakes, registry: Registry) -> None:
    """A 503 from the registry: `unavailable`."""
    fakes.outage(True)
    try:
        assert await reason_of(fakes.settings, registry) == "unavailable"
    finally:
        fakes.outage(False)


@pytest.mark.parametrize("registry", REGISTRIES)
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("throttle", "throttled"),
        ("garbage", "bad_response"),
        ("html", "bad_response"),
        ("huge", "bad_response"),
        ("wrong_type", "bad_response"),
        ("hang_up", "unavailable"),
    ],
)
async def test_a_bad_answer_is_pending_with_its_reason(
    fakes: RegistryFakes, registry: Registry, fault: Fault, reason: str
) -> None:
    """Throttling (429, VIES's MS_MAX_CONCURRENT_REQ), garbage, HTML, a body over the cap,
    another content type or a connection closed mid-answer: never read as an answer about
    the number."""
    fakes.fault(fault, registry)
    try:
        assert await reason_of(fakes.settings, registry) == reason
    finally:
        fakes.fault(None)


@pytest.mark.parametrize("registry", REGISTRIES)
async def test_a_registry_that_does_not_answer_in_time_is_a_timeout(
    fakes: RegistryFakes, registry: Registry
) -> None:
    """An answer held for 30 s is given up at the configured timeout."""
    fakes.fault("slow", registry)
    quick = fakes.settings.model_copy(update={"timeout_seconds": 0.2})
    try:
        assert await reason_of(quick, registry) == "timeout"
    finally:
        fakes.fault(None)


@pytest.mark.parametrize("code", ["MS_UNAVAILABLE", "SERVICE_UNAVAILABLE", "TIMEOUT"])
async def test_vies_errors_of_its_own_are_unavailable(code: str) -> None:
    """VIES's own error codes in a 200 answer's `userError` are `unavailable`, not invalid."""

    def vies(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"isValid": False, "valid": False, "userError": code})

    async with httpx.AsyncClient(transport=httpx.MockTransport(vies)) as http:
        with pytest.raises(RegistryUnavailable) as raised:
            await check_number(
                http, settings_at("http://vies.test"), "vies", "DE136695976", "x", None, NOW
            )
    assert raised.value.reason == "unavailable"


@pytest.mark.parametrize("registry", ["nta_corporate", "nta_invoice"])
async def test_a_refused_application_id_is_a_bad_response(
    fakes: RegistryFakes, registry: Registry
) -> None:
    """The NTA refusing the application id does not say the number is unknown."""
    settings = fakes.settings.model_copy(update={"nta_application_id": SecretStr("WrongAppId")})
    assert await reason_of(settings, registry) == "bad_response"


@contextlib.asynccontextmanager
async def closing_server() -> AsyncIterator[str]:
    """A server that accepts each connection and closes it at once."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


def settings_at(url: str) -> RegistrySettings:
    return RegistrySettings(
        nta_corporate_url=url,
        nta_invoice_url=url,
        vies_url=url,
        nta_application_id=SecretStr("id"),
    )


@pytest.mark.parametrize("registry", REGISTRIES)
async def test_a_closed_connection_is_unavailable(registry: Registry) -> None:
    """A registry that hangs up without a word: `unavailable`."""
    async with closing_server() as url:
        assert await reason_of(settings_at(url), registry) == "unavailable"


@pytest.mark.parametrize("registry", REGISTRIES)
async def test_a_refused_connection_is_unavailable(registry: Registry) -> None:
    """Nothing listening at the registry's address: `unavailable`."""
    async with closing_server() as url:
        pass
    assert await reason_of(settings_at(url), registry) == "unavailable"


async def test_an_answer_of_the_right_shape_with_unreadable_values_is_a_bad_response() -> None:
    """A record whose sequence number is not a number ends as bad_response, not ValueError."""
    xml = (
        "<corporations><count>2</count>"
        + "<corporation><sequenceNumber>one</sequenceNumber>"
        + "<corporateNumber>5835678256246</corporateNumber><latest>0</latest></corporation>" * 2
        + "</corporations>"
    )

    def nta(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=xml.encode(), headers={"Content-Type": "text/xml"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(nta)) as http:
        with pytest.raises(RegistryUnavailable) as raised:
            await check_number(
                http,
                settings_at("http://nta.test"),
                "nta_corporate",
                "5835678256246",
                "x",
                None,
                NOW,
            )
    assert raised.value.reason == "bad_response"
