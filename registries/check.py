"""The one door to the registries: which numbers a company gives, one check, the verdict.

`check_number` answers a `RegistryCheck` or raises `RegistryUnavailable`, never anything
else: whatever goes wrong on the way (transport, status, body, parsing) means "ask again
later", and is never read as an invalid number.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

import httpx

from domain.request import Company
from registries import nta_corporate, nta_invoice, vies
from registries.models import (
    Registry,
    RegistryCheck,
    RegistrySettings,
    RegistryUnavailable,
    overall_status,
)

__all__ = ["check_number", "identifiers_to_check", "overall_status", "typed_address"]

log = logging.getLogger(__name__)

Adapter = Callable[
    [httpx.AsyncClient, RegistrySettings, str, str, str | None, datetime],
    Awaitable[RegistryCheck],
]
ADAPTERS: dict[Registry, Adapter] = {
    "nta_corporate": nta_corporate.check,
    "nta_invoice": nta_invoice.check,
    "vies": vies.check,
}


def identifiers_to_check(company: Company) -> list[tuple[Registry, str]]:
    """The registries to ask and the number each gets, in the form's order."""
    given: list[tuple[Registry, str | None]] = [
        ("nta_corporate", company.corporate_number),
        ("nta_invoice", company.invoice_registration_number),
        ("vies", company.vat_number),
    ]
    return [(registry, number) for registry, number in given if number]


def typed_address(company: Company) -> str | None:
    """The address as the requester typed it, one line per part (street, city), the form
    `check_number` compares line by line; None when they typed none."""
    address = company.address
    lines = [address.line1, address.city] if address else []
    return "\n".join(line for line in lines if line) or None


async def check_number(
    http: httpx.AsyncClient,
    settings: RegistrySettings,
    registry: Registry,
    number: str,
    typed_name: str,
    typed_address: str | None,
    now: datetime,
) -> RegistryCheck:
    """Ask `registry` about `number` (only the number is sent) and compare its answer with
    what the requester typed. Raises RegistryUnavailable when there is no usable answer."""
    try:
        return await ADAPTERS[registry](http, settings, number, typed_name, typed_address, now)
    except RegistryUnavailable:
        raise
    except httpx.TimeoutException:
        raise RegistryUnavailable(registry, "timeout") from None
    except httpx.HTTPError:
        raise RegistryUnavailable(registry, "unavailable") from None
    except Exception as unexpected:  # an answer we could not read: the registry's, not ours
        # The type only: the message may quote the answer.
        log.warning("unreadable %s answer: %s", registry, type(unexpected).__name__)
        raise RegistryUnavailable(registry, "bad_response") from None
