"""The second factor as its owner's authenticator app plays it: enrol from the setup key the
page shows, then type a code no earlier sign-in used."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from accounts import totp
from tests.conftest import WebApp

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SETUP_KEY = re.compile(r'id="setup-key">([A-Z2-7 ]+)<')
RECOVERY_CODE = re.compile(r"<li><code>((?:[a-z2-9]{5}-){4}[a-z2-9]{4})</code></li>")
STAFF_FACTOR_PAGE = "/staff/sign-in/second-factor"
SITE_FACTOR_PAGE = "/sign-in/second-factor"


def secret_of(setup_key: str) -> bytes:
    """The secret an app reads from the setup key (base32, spaces ignored)."""
    key = "".join(setup_key.split())
    return base64.b32decode(key + "=" * (-len(key) % 8))


def csrf_in(html: str) -> str:
    """The page's anti-CSRF token (here, not in account_helpers, which imports this module)."""
    found = CSRF.search(html)
    assert found is not None, "the page has no anti-CSRF token"
    return found[1]


def setup_key_in(html: str) -> str:
    found = SETUP_KEY.search(html)
    assert found is not None, "the page shows no setup key"
    return found[1]


@dataclass
class Authenticator:
    """An authenticator app holding one account's secret."""

    secret: bytes
    recovery_codes: list[str] = field(default_factory=list)
    last_step: int | None = None

    async def code(self) -> str:
        """A code of a time step later than any this app gave before: the current step's, or
        the next one's (within the server's drift). Past both, it waits for the clock."""
        while True:
            now = totp.time_step(datetime.now(UTC))
            step = now if self.last_step is None else max(now, self.last_step + 1)
            if step <= now + totp.DRIFT_STEPS:
                self.last_step = step
                return totp.code_at_step(self.secret, step)
            # Both usable steps are spent: the next one begins at the next boundary.
            await asyncio.sleep(
                totp.STEP_SECONDS - datetime.now(UTC).timestamp() % totp.STEP_SECONDS
            )

    def used_code(self) -> str:
        """The code this app gave last, for showing that it works only once."""
        assert self.last_step is not None
        return totp.code_at_step(self.secret, self.last_step)


async def post_code(
    http: httpx.AsyncClient, code: str, page: str = STAFF_FACTOR_PAGE, next_url: str = ""
) -> httpx.Response:
    """Open the factor's page, then post the code from it with its anti-CSRF token."""
    form = await http.get(page, params={"next": next_url} if next_url else None)
    assert form.status_code == 200, form.text
    data = {"code": code, "next": next_url, "csrf_token": csrf_in(form.text)}
    return await http.post(page, data=data)


async def enrol(http: httpx.AsyncClient, page: str = STAFF_FACTOR_PAGE) -> Authenticator:
    """Enrol the signed-in session's account from the setup key; its app, with the recovery
    codes the page showed once."""
    form = await http.get(page)
    assert form.status_code == 200, form.text
    app = Authenticator(secret_of(setup_key_in(form.text)))
    data = {"code": await app.code(), "csrf_token": csrf_in(form.text)}
    shown = await http.post(page, data=data)
    assert shown.status_code == 200, shown.text
    app.recovery_codes = RECOVERY_CODE.findall(shown.text)
    assert len(app.recovery_codes) == 10, shown.text
    return app


async def pass_factor(
    http: httpx.AsyncClient, app: Authenticator, page: str = STAFF_FACTOR_PAGE
) -> httpx.Response:
    """Enter a fresh code at the factor's step; the answer (303 onwards when it is right)."""
    response = await post_code(http, await app.code(), page)
    assert response.status_code == 303, response.text
    return response


async def staff_command(web: WebApp, *args: str) -> tuple[int, str]:
    """Run `python -m starter staff ...` as an operator would: its exit code and output."""
    env = {
        **os.environ,
        "COMMERCE_DATABASE_URL": web.settings.commerce_database_url,
        "SALES_DATABASE_URL": web.settings.sales_database_url,
        "ONBOARDING_ENVIRONMENT": "dev",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "starter",
        "staff",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode()
