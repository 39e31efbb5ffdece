"""Amounts as both audiences' pages write them: thousands grouped, the currency's own number of
decimals (none in yen), then its code. The page's Jinja environment registers these."""

from __future__ import annotations

from decimal import Decimal

from domain.currency import minor_units

NO_AMOUNT = "—"


def money(amount: Decimal | int | None, currency: str | None) -> str:
    """An amount as people read it: 1,000,000 JPY, 1,234.50 USD; a dash for none."""
    if amount is None:
        return NO_AMOUNT
    figures = f"{Decimal(amount):,.{minor_units(currency)}f}"
    return f"{figures} {currency}" if currency else figures


def amount_input(amount: Decimal | int | None, currency: str | None) -> str:
    """An amount as a form field holds it, ready to be changed: 1000000, 1234.50."""
    if amount is None:
        return ""
    return f"{Decimal(amount):.{minor_units(currency)}f}"
