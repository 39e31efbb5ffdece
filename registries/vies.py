"""The European Commission's VIES REST API: `POST {base}/check-vat-number` with
`{"countryCode", "vatNumber"}`, and the shop's own VAT number as the requester when one is
configured (VIES then issues a consultation number, the proof of the check); nothing of the
applicant but the number goes to VIES.

The answer is `{"countryCode", "vatNumber", "requestDate", "valid", "requestIdentifier",
"name", "address", ...}`; `valid` false is `not_found`. When VIES cannot answer it says so
with `{"actionSucceed": false, "errorWrappers": [{"error", "message"}]}` (any status), or a
`userError` other than VALID/INVALID: MS_MAX_CONCURRENT_REQ and GLOBAL_MAX_CONCURRENT_REQ
are `throttled`; MS_UNAVAILABLE, SERVICE_UNAVAILABLE, TIMEOUT and anything else
`unavailable`. A member state that withholds the name or address answers "---".
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

from registries.http import ask
from registries.models import (
    CheckStatus,
    RegistryCheck,
    RegistrySettings,
    RegistryUnavailable,
    UnavailableReason,
)
from registries.names import compare

THROTTLING = frozenset({"MS_MAX_CONCURRENT_REQ", "GLOBAL_MAX_CONCURRENT_REQ"})
ANSWERS = frozenset({"VALID", "INVALID"})
WITHHELD = "---"
EVIDENCE = (
    "countryCode", "vatNumber", "requestDate", "valid", "requestIdentifier", "name", "address",
)  # fmt: skip


async def check(
    http: httpx.AsyncClient,
    settings: RegistrySettings,
    number: str,
    typed_name: str,
    typed_address: str | None,
    now: datetime,
) -> RegistryCheck:
    body = {"countryCode": number[:2], "vatNumber": number[2:]}
    if requester := settings.vies_requester_vat:
        body |= {"requesterMemberStateCode": requester[:2], "requesterNumber": requester[2:]}
    url = f"{settings.vies_url.rstrip('/')}/check-vat-number"
    answer = await ask(http, settings, "vies", "POST", url, json=body)
    document = _document(answer.body)
    if errors := _errors(document):
        raise RegistryUnavailable("vies", _reason(errors))
    answer.expect("vies", "application/json")
    if document is None or not isinstance(document.get("valid"), bool):
        raise RegistryUnavailable("vies", "bad_response")
    evidence = {key: document[key] for key in EVIDENCE if key in document}
    details = {}
    if consultation := _text(document.get("requestIdentifier")):
        details["consultation_number"] = consultation
    if not document["valid"]:
        return _result(number, "not_found", None, None, details, evidence, now)
    name, address = _published(document.get("name")), _published(document.get("address"))
    status, differs = compare(typed_name, typed_address, [name], [address])
    return _result(number, status, name, address, details | differs, evidence, now)


def _document(body: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _errors(document: dict[str, Any] | None) -> list[str]:
    """The error codes VIES gave instead of an answer."""
    if document is None:
        return []
    codes = []
    wrappers = document.get("errorWrappers")
    if isinstance(wrappers, list):
        codes += [_text(w.get("error")) or "UNKNOWN" for w in wrappers if isinstance(w, dict)]
    if document.get("actionSucceed") is False and not codes:
        codes.append("UNKNOWN")
    user_error = _text(document.get("userError"))
    if user_error and user_error not in ANSWERS:
        codes.append(user_error)
    return codes


def _reason(codes: list[str]) -> UnavailableReason:
    return "throttled" if any(code in THROTTLING for code in codes) else "unavailable"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _published(value: object) -> str | None:
    text = _text(value)
    return None if text in ("", WITHHELD) else text


def _result(
    number: str,
    status: CheckStatus,
    name: str | None,
    address: str | None,
    details: dict[str, str],
    evidence: dict[str, Any],
    now: datetime,
) -> RegistryCheck:
    return RegistryCheck(
        registry="vies",
        number=number,
        status=status,
        registered_name=name,
        registered_address=address,
        details=details,
        evidence=evidence,
        checked_at=now,
    )
