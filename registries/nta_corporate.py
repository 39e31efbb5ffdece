"""The National Tax Agency's corporate-number Web-API (法人番号システム Web-API, version 4),
by number with history: `GET {base}/4/num?id=<application id>&number=<13 digits>&type=12
&history=1`, answered in XML (type 12, UTF-8).

The answer is `<corporations>` with `<count>` and one `<corporation>` per record of the
number's history; the record with `<latest>1</latest>` is the current one. Its
`<closeDate>` and `<closeCause>` say the corporation is closed (01 liquidation completed,
11 dissolved by merger, 21 closed by the registrar, 31 other), `<successorCorporateNumber>`
who took it over. No record (count 0) is `not_found`.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree

import httpx

from registries.http import ask
from registries.models import CheckStatus, RegistryCheck, RegistrySettings, RegistryUnavailable
from registries.names import compare

VERSION = "4"
XML = "12"
XML_TYPES = ("application/xml", "text/xml")
CLOSE_CAUSES = {
    "01": "liquidation_completed",
    "11": "merged",
    "21": "closed_by_registrar",
    "31": "other",
}
KINDS = {
    "101": "national_government",
    "201": "local_government",
    "301": "kabushiki_kaisha",
    "302": "yugen_kaisha",
    "303": "gomei_kaisha",
    "304": "goshi_kaisha",
    "305": "godo_kaisha",
    "399": "other_registered",
    "401": "foreign_company",
    "499": "other",
}
FIELDS = (
    "sequenceNumber", "corporateNumber", "process", "correct", "updateDate", "changeDate",
    "name", "kind", "prefectureName", "cityName", "streetNumber", "postCode",
    "addressOutside", "closeDate", "closeCause", "successorCorporateNumber", "changeCause",
    "assignmentDate", "latest", "enName", "enPrefectureName", "enCityName",
    "enAddressOutside", "furigana",
)  # fmt: skip
# The record of a number deleted from the publication (process 99) is no record at all.
DELETED = "99"


async def check(
    http: httpx.AsyncClient,
    settings: RegistrySettings,
    number: str,
    typed_name: str,
    typed_address: str | None,
    now: datetime,
) -> RegistryCheck:
    if settings.nta_application_id is None:
        raise RegistryUnavailable("nta_corporate", "no_application_id")
    params = {
        "id": settings.nta_application_id.get_secret_value(),
        "number": number,
        "type": XML,
        "history": "1",
    }
    url = f"{settings.nta_corporate_url.rstrip('/')}/{VERSION}/num"
    answer = await ask(http, settings, "nta_corporate", "GET", url, params=params)
    answer.expect("nta_corporate", *XML_TYPES)
    records = parse(answer.body)
    latest = current(records, number)
    if latest is None:
        return _result(number, "not_found", None, None, {}, records, now)
    name = latest.get("name") or None
    address = ja_address(latest)
    details = {"kind": KINDS.get(latest.get("kind", ""), latest.get("kind", ""))}
    details = {key: value for key, value in details.items() if value}
    if latest.get("closeDate"):
        details["closed_on"] = latest["closeDate"]
        cause = latest.get("closeCause", "")
        details["close_cause"] = CLOSE_CAUSES.get(cause, cause)
        if latest.get("successorCorporateNumber"):
            details["successor_corporate_number"] = latest["successorCorporateNumber"]
        return _result(number, "closed", name, address, details, records, now)
    names = [name, latest.get("furigana"), latest.get("enName")]
    status, differs = compare(typed_name, typed_address, names, [address, en_address(latest)])
    return _result(number, status, name, address, details | differs, records, now)


def parse(body: bytes) -> list[dict[str, str]]:
    """The `<corporation>` records, each as its fields' text; not the expected XML raises
    `RegistryUnavailable` (bad_response)."""
    if b"<!DOCTYPE" in body.upper():  # entities have no place in the answer
        raise RegistryUnavailable("nta_corporate", "bad_response")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise RegistryUnavailable("nta_corporate", "bad_response") from None
    if root.tag != "corporations" or root.find("count") is None:
        raise RegistryUnavailable("nta_corporate", "bad_response")
    return [
        {field: (record.findtext(field) or "").strip() for field in FIELDS}
        for record in root.iter("corporation")
    ]


def current(records: list[dict[str, str]], number: str) -> dict[str, str] | None:
    """The latest record of `number`, unless it was deleted from the publication."""
    own = [r for r in records if r["corporateNumber"] == number]
    if not own:
        return None
    latest = [r for r in own if r["latest"] == "1"] or [
        max(own, key=lambda r: int(r["sequenceNumber"] or 0))
    ]
    return None if latest[0]["process"] == DELETED else latest[0]


def ja_address(record: dict[str, str]) -> str | None:
    parts = (record["prefectureName"], record["cityName"], record["streetNumber"])
    return "".join(parts) or record["addressOutside"] or None


def en_address(record: dict[str, str]) -> str | None:
    parts = (record["enAddressOutside"], record["enCityName"], record["enPrefectureName"])
    return ", ".join(part for part in parts if part) or None


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
        registry="nta_corporate",
        number=number,
        status=status,
        registered_name=name,
        registered_address=address,
        details=details,
        evidence={"records": records},
        checked_at=now,
    )
