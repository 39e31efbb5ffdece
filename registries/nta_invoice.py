"""The National Tax Agency's qualified-invoice issuer Web-API (適格請求書発行事業者公表システム
Web-API, version 1), by registration number: `GET {base}/1/num?id=<application id>
&number=T<13 digits>&type=21&history=0`, answered in JSON (type 21).

The answer is `{"lastUpdateDate", "count", "divideNumber", "divideSize", "announcement":
[...]}`, one announcement per registration, `latest` "1" on the current one. A
`disposalDate` (取消, cancelled by the tax office) or an `expireDate` (失効, lapsed) makes the
registration `registration_cancelled`; process 99 (deleted) or no announcement, `not_found`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

from registries.http import ask
from registries.models import CheckStatus, RegistryCheck, RegistrySettings, RegistryUnavailable
from registries.names import compare

VERSION = "1"
JSON_TYPE = "21"
FIELDS = (
    "sequenceNumber", "registratedNumber", "process", "correct", "kind", "country", "latest",
    "registrationDate", "updateDate", "disposalDate", "expireDate", "address", "kana", "name",
    "tradeName", "popularName_previousName", "addressInside",
)  # fmt: skip
DELETED = "99"
KINDS = {"1": "individual", "2": "corporation"}


async def check(
    http: httpx.AsyncClient,
    settings: RegistrySettings,
    number: str,
    typed_name: str,
    typed_address: str | None,
    now: datetime,
) -> RegistryCheck:
    if settings.nta_application_id is None:
        raise RegistryUnavailable("nta_invoice", "no_application_id")
    params = {
        "id": settings.nta_application_id.get_secret_value(),
        "number": number,
        "type": JSON_TYPE,
        "history": "0",
    }
    url = f"{settings.nta_invoice_url.rstrip('/')}/{VERSION}/num"
    answer = await ask(http, settings, "nta_invoice", "GET", url, params=params)
    answer.expect("nta_invoice", "application/json")
    records = parse(answer.body)
    own = [r for r in records if r["registratedNumber"] == number]
    latest = next(iter([r for r in own if r["latest"] == "1"] or own[-1:]), None)
    if latest is None or latest["process"] == DELETED:
        return _result(number, "not_found", None, None, {}, records, now)
    name = latest["name"] or None
    address = latest["address"] or latest["addressInside"] or None
    details = {"registered_on": latest["registrationDate"], "updated_on": latest["updateDate"]}
    details["kind"] = KINDS.get(latest["kind"], latest["kind"])
    details = {key: value for key, value in details.items() if value}
    gone = {"cancelled_on": latest["disposalDate"], "expired_on": latest["expireDate"]}
    if any(gone.values()):
        details |= {key: value for key, value in gone.items() if value}
        return _result(number, "registration_cancelled", name, address, details, records, now)
    names = [name, latest["tradeName"], latest["kana"]]
    status, differs = compare(typed_name, typed_address, names, [address])
    return _result(number, status, name, address, details | differs, records, now)


def parse(body: bytes) -> list[dict[str, str]]:
    """The announcements, each as its fields' text; not the expected JSON raises
    `RegistryUnavailable` (bad_response)."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        raise RegistryUnavailable("nta_invoice", "bad_response") from None
    if not isinstance(document, dict) or "count" not in document:
        raise RegistryUnavailable("nta_invoice", "bad_response")
    announcements = document.get("announcement") or []
    if not isinstance(announcements, list) or not all(isinstance(a, dict) for a in announcements):
        raise RegistryUnavailable("nta_invoice", "bad_response")
    return [{field: _text(a.get(field)) for field in FIELDS} for a in announcements]


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _result(
    number: str,
    status: CheckStatus,
    name: str | None,
    address: str | None,
    details: dict[str, str],
    records: list[dict[str, str]],
    now: datetime,
) -> RegistryCheck:
    return RegistryCheck(
        registry="nta_invoice",
        number=number,
        status=status,
        registered_name=name,
        registered_address=address,
        details=details,
        evidence={"announcements": records},
        checked_at=now,
    )
