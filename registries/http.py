"""One bounded request to a registry: a deadline for the whole exchange, a cap on the body
read as it streams, and every failure of the way mapped to `RegistryUnavailable`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from registries.models import Registry, RegistrySettings, RegistryUnavailable

THROTTLED = 429


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    def has_type(self, *kinds: str) -> bool:
        """Whether the media type (parameters aside) is one of `kinds`."""
        media = self.content_type.split(";")[0].strip().lower()
        return media in kinds

    def expect(self, registry: Registry, *kinds: str) -> None:
        """A 5xx is `unavailable`; any other status but 200, or another media type than
        `kinds`, `bad_response`: either way the check waits for a better answer."""
        if self.status >= 500:
            raise RegistryUnavailable(registry, "unavailable")
        if self.status != 200 or not self.has_type(*kinds):
            raise RegistryUnavailable(registry, "bad_response")


async def ask(
    http: httpx.AsyncClient,
    settings: RegistrySettings,
    registry: Registry,
    method: str,
    url: str,
    *,
    params: dict[str, str] | None = None,
    json: dict[str, Any] | None = None,
) -> Answer:
    """The registry's answer, whatever its status but 429 (`throttled`); no answer within the
    timeout is `timeout`, no connection or a broken one `unavailable`, a body over the cap
    `bad_response`."""
    try:
        async with asyncio.timeout(settings.timeout_seconds):
            return await _exchange(http, settings, registry, method, url, params, json)
    except TimeoutError:
        raise RegistryUnavailable(registry, "timeout") from None
    except httpx.TimeoutException:
        raise RegistryUnavailable(registry, "timeout") from None
    except httpx.HTTPError:
        raise RegistryUnavailable(registry, "unavailable") from None


async def _exchange(
    http: httpx.AsyncClient,
    settings: RegistrySettings,
    registry: Registry,
    method: str,
    url: str,
    params: dict[str, str] | None,
    json: dict[str, Any] | None,
) -> Answer:
    request = http.build_request(
        method, url, params=params, json=json, timeout=settings.timeout_seconds
    )
    response = await http.send(request, stream=True)
    try:
        if response.status_code == THROTTLED:
            raise RegistryUnavailable(registry, "throttled")
        body = await _read(response, settings.max_body_bytes, registry)
        return Answer(response.status_code, response.headers.get("content-type", ""), body)
    finally:
        await response.aclose()


async def _read(response: httpx.Response, cap: int, registry: Registry) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise RegistryUnavailable(registry, "bad_response")
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise RegistryUnavailable(registry, "bad_response")
        chunks.append(chunk)
    return b"".join(chunks)
