"""The Dataverse fake's token endpoint: the Microsoft identity platform's v2.0 endpoint, for the
client-credentials grant only."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

FORM = "application/x-www-form-urlencoded"


def token_error(error: str, number: int, description: str) -> Response:
    """The identity platform's error body; its docs give 400 for token request errors."""
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    details = f"\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}"
    body = {
        "error": error, "error_description": f"AADSTS{number}: {description}{details}",
        "error_codes": [number], "timestamp": stamp, "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={number}",
    }  # fmt: skip
    return JSONResponse(body, 400)


class IdentityPlatform:
    """Issues opaque bearer tokens to one client of one tenant, for one resource."""

    def __init__(self, client_id: str, client_secret: str, tenant_id: str) -> None:
        self.client_id, self.client_secret, self.tenant_id = client_id, client_secret, tenant_id
        self.issued = 0
        self.reject_client = False
        self._valid: set[str] = set()

    def accepts(self, bearer: str) -> bool:
        return bearer in self._valid

    def expire_all(self) -> None:
        self._valid.clear()

    async def token(self, request: Request, tenant: str, resource: str) -> Response:
        """POST /{tenant}/oauth2/v2.0/token, checked in the order the parameters are needed."""
        if tenant != self.tenant_id:
            return token_error("invalid_request", 90002, f"Tenant '{tenant}' not found.")
        form: dict[str, str] = {}
        if request.headers.get("content-type", "").startswith(FORM):
            pairs = parse_qs((await request.body()).decode(), keep_blank_values=True)
            form = {name: values[0] for name, values in pairs.items()}
        grant, scope = form.get("grant_type"), form.get("scope")
        if not grant:
            needed = "The request body must contain the following parameter: 'grant_type'."
            return token_error("invalid_request", 900144, needed)
        if grant != "client_credentials":
            unsupported = f"The app requested an unsupported grant type '{grant}'."
            return token_error("unsupported_grant_type", 70003, unsupported)
        client = form.get("client_id")
        known = (client, form.get("client_secret")) == (self.client_id, self.client_secret)
        if self.reject_client or not known:
            return token_error("invalid_client", 7000215, (
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                "the client secret value, not the client secret ID, for a secret added to app "
                f"'{client}'."
            ))  # fmt: skip
        if scope != f"{resource}/.default":
            invalid = f"The provided value for the input parameter 'scope' is not valid: {scope}."
            return token_error("invalid_scope", 70011, invalid)
        access_token = secrets.token_urlsafe(32)
        self._valid.add(access_token)
        self.issued += 1
        return JSONResponse({
            "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
            "access_token": access_token,
        })  # fmt: skip
