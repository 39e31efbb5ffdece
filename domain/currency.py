"""How many decimals an amount has in its currency (ISO 4217's minor units).

Yen, won and a few others have no minor unit: an amount in them is whole, and is written
without decimals. Every other currency we meet has two.
"""

from __future__ import annotations

from decimal import Decimal

# The codes ISO 4217 gives zero minor units (its funds and metals left out).
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
DEFAULT_MINOR_UNITS = 2


def minor_units(currency: str | None) -> int:
    """The decimals an amount in `currency` is written with; two when it is not known."""
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else DEFAULT_MINOR_UNITS


def fits_currency(amount: Decimal, currency: str | None) -> bool:
    """Whether the amount has no more decimals than its currency has: 1000.00 JPY does,
    1000.50 JPY does not."""
    return amount % Decimal(1).scaleb(-minor_units(currency)) == 0
