"""Amounts in their currency's decimals: how the pages write them and which ones the forms take."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from devstack.smtp import SmtpSink
from domain.currency import fits_currency
from starter.common.money import amount_input, money
from tests.account_helpers import invite, signed_in_admin
from tests.conftest import WebApp
from tests.factories import unique_email


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        (Decimal("1000000.00"), "JPY", "1,000,000 JPY"),
        (Decimal("1500000"), "KRW", "1,500,000 KRW"),
        (Decimal("1234.5"), "USD", "1,234.50 USD"),
        (Decimal("99"), "EUR", "99.00 EUR"),
    ],
)
def test_an_amount_is_written_with_its_currencys_decimals(
    amount: Decimal, currency: str, written: str
) -> None:
    """Yen and won have no decimals; other currencies have two; thousands are grouped."""
    assert money(amount, currency) == written


def test_no_amount_is_a_dash() -> None:
    """A missing amount (no limit, no old value) is written as a dash."""
    assert money(None, "JPY") == "—"


def test_an_amount_without_a_known_currency_has_two_decimals() -> None:
    """Without a currency the figures stand alone, with the default two decimals."""
    assert money(Decimal("5000"), None) == "5,000.00"


@pytest.mark.parametrize(
    ("amount", "currency", "typed"),
    [(Decimal("1000000.00"), "JPY", "1000000"), (Decimal("1234.5"), "USD", "1234.50")],
)
def test_a_prefilled_field_holds_the_amount_as_one_would_type_it(
    amount: Decimal, currency: str, typed: str
) -> None:
    """A form's amount has no grouping and its currency's decimals."""
    assert amount_input(amount, currency) == typed


@pytest.mark.parametrize(
    ("amount", "currency", "fits"),
    [
        (Decimal("1000.00"), "JPY", True),
        (Decimal("1000.50"), "JPY", False),
        (Decimal("0.5"), "VND", False),
        (Decimal("1000.50"), "USD", True),
    ],
)
def test_only_whole_amounts_fit_a_currency_without_minor_units(
    amount: Decimal, currency: str, fits: bool
) -> None:
    """An amount in yen may end in .00 but not in .50; in dollars it may."""
    assert fits_currency(amount, currency) is fits


async def test_a_spending_limit_with_decimals_in_yen_is_a_field_error(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A partner admin cannot give a user a spending limit of 5000.50 JPY."""
    await signed_in_admin(http, web, smtp)
    refused = await invite(http, unique_email("ken.ito"), spending_limit="5000.50")
    assert refused.status_code == 422
    assert 'id="spending_limit-error"' in refused.text
    assert "This currency has no decimals: enter a whole amount." in refused.text
