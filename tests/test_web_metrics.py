"""The web app's Prometheus metrics: requests by route, onboardings started, purchase
authorizations by answer (docs/operations.md, "Metrics and alerts")."""

from __future__ import annotations

import re

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.api_helpers import request_body
from tests.conftest import WebApp
from tests.factories import unique_reference
from tests.test_purchases import PATH, STOREFRONT, order, partner


async def sample(http: httpx.AsyncClient, name: str, **labels: str) -> float:
    """The value of one series on /metrics; 0 when it has not appeared yet."""
    page = (await http.get("/metrics")).text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in page.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    return 0.0


async def test_requests_count_by_route_template(http: httpx.AsyncClient, web: WebApp) -> None:
    """Two reads of unknown references add two to their route's 4xx, and no path appears."""
    series = {"method": "GET", "route": "/api/onboarding-requests/{reference}", "status": "4xx"}
    before = await sample(http, "onboarding_web_requests_total", **series)
    unknown = unique_reference()
    for _ in range(2):
        read = await http.get(f"/api/onboarding-requests/{unknown}", headers=web.staff())
        assert read.status_code == 404
    assert await sample(http, "onboarding_web_requests_total", **series) == before + 2
    assert unknown not in (await http.get("/metrics")).text


async def test_an_onboarding_started_counts_once(http: httpx.AsyncClient, web: WebApp) -> None:
    """A new request adds one to the started onboardings; the same request again adds none."""
    before = await sample(http, "onboarding_started_total", channel="api")
    body = request_body()
    first = await http.post("/api/onboarding-requests", json=body)
    again = await http.post("/api/onboarding-requests", json=body)
    assert first.json()["reference"] == again.json()["reference"]
    assert await sample(http, "onboarding_started_total", channel="api") == before + 1
    await http.delete(f"/api/onboarding-requests/{first.json()['reference']}", headers=web.staff())


async def test_purchase_authorizations_count_by_answer(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An approved order and a declined one each count under their answer, once."""
    user = await partner(http, web, smtp, stores)
    approved = {"answer": "approved", "reason": ""}
    declined = {"answer": "declined", "reason": "wrong_currency"}
    before = [await sample(http, "onboarding_purchase_authorizations_total", **s)
              for s in (approved, declined)]  # fmt: skip
    body = order(user, "1000")
    for _ in range(2):
        assert (await http.post(PATH, json=body, headers=STOREFRONT)).status_code == 200
    await http.post(PATH, json=order(user, "10.00", "USD"), headers=STOREFRONT)
    after = [await sample(http, "onboarding_purchase_authorizations_total", **s)
             for s in (approved, declined)]  # fmt: skip
    assert after == [before[0] + 1, before[1] + 1]
