"""The Dataverse Web API (v9.2) over httpx: an app token from the client-credentials flow,
the OData headers, and Dataverse's answers turned into the Sales port's errors.

Nothing personal is logged: a line names the method, the entity set and the status only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from sales.port import SalesRefused, SalesUnavailable

log = logging.getLogger("sales.dataverse")
API = "/api/data/v9.2/"
ODATA_HEADERS = {
    "OData-MaxVersion": "4.0",
    "OData-Version": "4.0",
    "Accept": "application/json",
    "Content-Type": "application/json; charset=utf-8",
}
# A token is renewed this long before it expires, so no call carries one that lapses in flight.
TOKEN_MARGIN = 120.0
DEFAULT_RETRY_AFTER = 5.0
TIMEOUT = httpx.Timeout(8.0, connect=4.0)


@dataclass(frozen=True)
class DataverseConfig:
    url: str
    token_url: str
    client_id: str
    client_secret: str

    @property
    def scope(self) -> str:
        return f"{self.url.rstrip('/')}/.default"

    def __repr__(self) -> str:  # the secret never reaches a log line or a traceback
        return f"DataverseConfig(url={self.url!r}, client_id={self.client_id!r})"


def _entity_set(path: str) -> str:
    return path.split("(", 1)[0].split("?", 1)[0]


def _error_of(response: httpx.Response) -> tuple[str, str]:
    """Dataverse's {"error": {"code", "message"}}, or the status when the body is not that."""
    try:
        error = response.json().get("error", {})
        return str(error.get("code") or response.status_code), str(error.get("message") or "")
    except (ValueError, AttributeError):
        return str(response.status_code), response.reason_phrase


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", DEFAULT_RETRY_AFTER)))
    except ValueError:
        return DEFAULT_RETRY_AFTER


class DataverseClient:
    def __init__(self, config: DataverseConfig, http: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._http = http or httpx.AsyncClient(timeout=TIMEOUT)
        self._token: str | None = None
        self._token_until = 0.0
        self._token_lock = asyncio.Lock()

    @property
    def url(self) -> str:
        return self._config.url.rstrip("/")

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _access_token(self, renew: bool = False) -> str:
        async with self._token_lock:
            if self._token and not renew and time.monotonic() < self._token_until:
                return self._token
            form = {
                "grant_type": "client_credentials",
                "client_id": self._config.client_id,
                "client_secret": self._config.client_secret,
                "scope": self._config.scope,
            }
            try:
                response = await self._http.post(self._config.token_url, data=form)
            except httpx.TransportError as err:
                raise SalesUnavailable(
                    f"token endpoint unreachable: {type(err).__name__}"
                ) from None
            if response.status_code == 429 or response.status_code >= 500:
                raise SalesUnavailable(f"token endpoint answered {response.status_code}")
            body = self._json(response)
            if response.status_code != 200 or "access_token" not in body:
                # invalid_client, invalid_scope…: wrong settings; retrying cannot help.
                description = str(body.get("error_description", "")).splitlines()[:1]
                raise SalesRefused(
                    str(body.get("error", response.status_code)),
                    "the identity platform refused the app's sign-in"
                    + (f" ({description[0]})" if description else ""),
                )
            self._token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3599))
            self._token_until = time.monotonic() + max(0.0, lifetime - TOKEN_MARGIN)
            return self._token

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200, 204),
    ) -> httpx.Response:
        """One Web API call; the statuses in `expect` are returned, the others raised as the
        port's errors. A 401 renews the token once (it may have been revoked early)."""
        response = await self._send(method, path, body, headers, renew=False)
        if response.status_code == 401:
            response = await self._send(method, path, body, headers, renew=True)
        log.info("dataverse %s %s: %s", method, _entity_set(path), response.status_code)
        if response.status_code in expect:
            return response
        if response.status_code == 429:
            raise SalesUnavailable("Dataverse asks to slow down", _retry_after(response))
        if response.status_code >= 500:
            raise SalesUnavailable(f"Dataverse answered {response.status_code}")
        raise SalesRefused(*_error_of(response))

    async def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str] | None,
        *,
        renew: bool,
    ) -> httpx.Response:
        token = await self._access_token(renew)
        all_headers = {**ODATA_HEADERS, "Authorization": f"Bearer {token}", **(headers or {})}
        try:
            return await self._http.request(
                method, f"{self.url}{API}{path}", json=body, headers=all_headers
            )
        except httpx.TransportError as err:
            raise SalesUnavailable(f"Dataverse unreachable: {type(err).__name__}") from None

    async def get(self, path: str) -> dict[str, Any] | None:
        """A record, or None when Dataverse has no such record."""
        response = await self.call("GET", path, expect=(200, 404))
        return None if response.status_code == 404 else self._json(response)
