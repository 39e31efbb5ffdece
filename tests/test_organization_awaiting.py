"""The organization page's "Orders awaiting approval" lists what this admin may decide, and
only that (SPEC.md, "Buyer organizations")."""

from __future__ import annotations

import re

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.approval_helpers import signed_in
from tests.conftest import WebApp
from tests.test_approvals import admins_own_order

TABLE = re.compile(r'<table id="awaiting-approval">(.*?)</table>', re.S)


async def listed(browser: httpx.AsyncClient) -> str:
    page = await browser.get("/organization?lang=en")
    assert page.status_code == 200, page.text
    found = TABLE.search(page.text)
    assert found is not None
    return found.group(1)


async def test_an_admins_own_order_is_listed_for_the_other_admin_only(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """With a second admin, an admin's own order waits on the other admin's page, not theirs."""
    people, own = await admins_own_order(http, web, smtp, stores, "7000")
    async with signed_in(web.url, people["admin"]) as browser:
        assert own not in await listed(browser)
    async with signed_in(web.url, people["admin2"]) as browser:
        assert own in await listed(browser)
