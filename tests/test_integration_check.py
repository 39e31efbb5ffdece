"""The installer's check (`scripts/integration-check`) against a running system."""

from __future__ import annotations

import re

import httpx
import pytest

from devstack import check
from tests.conftest import WebApp


async def test_check_passes_and_erases_what_it_created(
    web: WebApp, http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every step passes with the built-in Sales, and the prospect is gone afterwards."""
    assert await check.run(web.url, web.staff_token)
    out = capsys.readouterr().out
    assert "FAIL" not in out
    erased = re.search(r"PASS  clean up: erased (B2B-\w+)", out)
    assert erased, out
    gone = await http.get(f"/api/onboarding-requests/{erased[1]}", headers=web.staff())
    assert gone.status_code == 404
