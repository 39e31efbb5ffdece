"""Staff and an organization's credit limit: set when the opportunity is won from the Sales
console, changed later with a reason in the back office, against the real stack."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import httpx
import pytest

from plumbing.stores import Stores
from tests.account_helpers import csrf_in, signed_in_staff
from tests.api_helpers import poll, qualified_opportunity
from tests.conftest import WebApp

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
# What the page shows after the approval until a change is taken: its entry and its limit.
AS_APPROVED = (["approval"], "1,000,000 JPY")


def _rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of one table on the page, each as its cells' text."""
    table = html.split(f'<table id="{table_id}">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [CELL.findall(row) for row in ROW.findall(body)]


def _current_limit(html: str) -> str:
    return html.split('<dd id="credit-limit">', 1)[1].split("</dd>", 1)[0]


async def _close_won_from_the_console(
    http: httpx.AsyncClient, opportunity_id: str, credit_limit: str
) -> httpx.Response:
    page = (await http.get(f"/sales/opportunities/{opportunity_id}")).text
    currency = re.search(r'name="credit_limit_currency" value="([A-Z]{3})"', page)
    assert currency is not None, "the won form names no currency"
    return await http.post(
        f"/sales/opportunities/{opportunity_id}/close",
        data={"csrf_token": csrf_in(page), "outcome": "won", "credit_limit": credit_limit,
              "credit_limit_currency": currency[1]},
    )  # fmt: skip


async def _hierarchy(http: httpx.AsyncClient, web: WebApp, reference: str) -> dict[str, object]:
    """The onboarding's customer hierarchy, once its credit limit is set."""
    onboarding = await poll(
        http, web, f"/api/onboarding-requests/{reference}", "customer_hierarchy_id"
    )
    path = f"/api/commerce/customer-hierarchies/{onboarding['customer_hierarchy_id']}"
    return await poll(http, web, path, "credit_limit_amount")


async def _won_hierarchy_page(http: httpx.AsyncClient, stores: Stores, web: WebApp) -> str:
    """A staff member signed in on `http` wins an opportunity; its hierarchy page's path."""
    await signed_in_staff(http, stores, web, "Rep Credit")
    reference, opportunity_id = await qualified_opportunity(http, web)
    assert (await _close_won_from_the_console(http, opportunity_id, "1000000")).status_code == 303
    hierarchy = await _hierarchy(http, web, reference)
    return f"/commerce/customer-hierarchies/{hierarchy['id']}"


async def _history_and_limit(http: httpx.AsyncClient, page: str) -> tuple[list[str], str]:
    """Who changed the limit, newest first, and the limit now, as the hierarchy page shows."""
    html = (await http.get(page)).text
    return [row[1] for row in _rows(html, "credit-limit-changes")], _current_limit(html)


async def _change(http: httpx.AsyncClient, page: str, amount: str, reason: str) -> httpx.Response:
    html = (await http.get(page)).text
    return await http.post(
        f"{page}/credit-limit",
        data={"csrf_token": csrf_in(html), "amount": amount, "reason": reason},
    )


async def test_winning_from_the_console_sets_the_typed_credit_limit(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A won opportunity closed with credit limit 2500000 gives its hierarchy that limit."""
    await signed_in_staff(http, stores, web, "Rep Credit")
    reference, opportunity_id = await qualified_opportunity(http, web)
    closed = await _close_won_from_the_console(http, opportunity_id, "2500000")
    assert closed.status_code == 303, closed.text
    hierarchy = await _hierarchy(http, web, reference)
    assert Decimal(str(hierarchy["credit_limit_amount"])) == Decimal("2500000")


async def test_an_invalid_credit_limit_leaves_the_opportunity_open(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A credit limit with three decimals is refused with 422 naming it; nothing is closed."""
    await signed_in_staff(http, stores, web, "Rep Credit")
    _, opportunity_id = await qualified_opportunity(http, web)
    refused = await _close_won_from_the_console(http, opportunity_id, "12.345")
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("credit_limit:")
    opportunity = await http.get(f"/api/sales/opportunities/{opportunity_id}", headers=web.staff())
    assert opportunity.json()["status"] == "open"
    page = (await http.get(f"/sales/opportunities/{opportunity_id}")).text
    assert 'id="processing"' not in page


async def test_a_change_shows_in_the_history_with_who_and_why(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A change with a reason is a history row: who, the old and new limit, the reason."""
    page = await _won_hierarchy_page(http, stores, web)
    changed = await _change(http, page, "1500000", "Paid every invoice early for a year")
    assert (changed.status_code, changed.headers["location"]) == (
        303,
        f"{page}?done=limit_changed",
    )
    # Newest first; the approval's own limit is the history's first entry.
    row, first = _rows((await http.get(page)).text, "credit-limit-changes")
    assert first[1:] == ["approval", "—", "1,000,000 JPY", "set at approval"]
    assert row[1:] == [
        "Rep Credit", "1,000,000 JPY", "1,500,000 JPY", "Paid every invoice early for a year"
    ]  # fmt: skip


async def test_a_change_is_a_limit_changed_entry_in_the_ledger(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A change of the limit enters the ledger as limit_changed, by the difference."""
    page = await _won_hierarchy_page(http, stores, web)
    await _change(http, page, "1500000", "Paid every invoice early for a year")
    html = (await http.get(page)).text
    assert [row[1:] for row in _rows(html, "credit-ledger")] == [
        ["limit_changed", "—", "500,000 JPY"]
    ]
    assert '<dd id="credit-available">1,500,000 JPY</dd>' in html


@pytest.mark.parametrize(
    ("amount", "reason", "error"),
    [
        ("1500000", "   ", 'href="#credit-limit-reason">Reason:'),
        (
            "1500000.50",
            "Paid every invoice early for a year",
            'href="#new-credit-limit">New credit limit: has no decimals in JPY',
        ),
    ],
    ids=["empty-reason", "decimals-in-yen"],
)
async def test_a_change_the_form_refuses_names_the_field_and_changes_nothing(
    http: httpx.AsyncClient, stores: Stores, web: WebApp, amount: str, reason: str, error: str
) -> None:
    """A change without a reason, or to 1500000.50 JPY, answers 422 naming the field in the
    error summary; the limit stays as it was."""
    page = await _won_hierarchy_page(http, stores, web)
    refused = await _change(http, page, amount, reason)
    assert refused.status_code == 422
    assert error in refused.text
    assert await _history_and_limit(http, page) == AS_APPROVED


async def test_a_change_without_the_anti_csrf_token_is_refused(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A post without the page's anti-CSRF token answers 403 and changes nothing."""
    page = await _won_hierarchy_page(http, stores, web)
    refused = await http.post(
        f"{page}/credit-limit", data={"amount": "1", "reason": "Forged from another site"}
    )
    assert refused.status_code == 403
    assert await _history_and_limit(http, page) == AS_APPROVED


async def test_an_unknown_hierarchy_has_no_credit_limit_to_change(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """The same change that a known hierarchy takes answers 404 for one that does not exist."""
    page = await _won_hierarchy_page(http, stores, web)
    known = await _change(http, page, "1", "No such organization")
    html = (await http.get(page)).text
    unknown = await http.post(
        f"/commerce/customer-hierarchies/HIER-{uuid.uuid4().hex[:12]}/credit-limit",
        data={"csrf_token": csrf_in(html), "amount": "1", "reason": "No such organization"},
    )
    assert (known.status_code, unknown.status_code) == (303, 404)


async def test_the_new_limit_is_prefilled_as_typed_in_yen(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """The new limit's field starts at the current limit, without decimals in yen."""
    page = await _won_hierarchy_page(http, stores, web)
    field = re.search(
        r'<input id="new-credit-limit"[^>]*value="([^"]*)"', (await http.get(page)).text
    )
    assert field is not None
    assert field[1] == "1000000"
