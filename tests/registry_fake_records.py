"""The records the registry fakes hold and the answers they give, shaped as the registries'
specifications describe them: the NTA corporate-number Web-API v4 (XML, type 12), the NTA
qualified-invoice Web-API v1 (JSON, type 21), and VIES's REST check-vat-number."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

LAST_UPDATE = "2026-12-01"
# Close causes of the corporate-number API: 01 liquidation completed, 11 merger, 21 closed by
# the registrar, 31 other; the process code of the closing record for each.
CLOSING_PROCESS = {"01": "21", "11": "71", "21": "21", "31": "21"}


@dataclass
class Corporation:
    number: str
    name: str
    prefecture: str = "東京都"
    city: str = "千代田区"
    street: str = "丸の内１丁目２－３"
    kind: str = "301"
    furigana: str = ""
    en_name: str = ""
    closed_on: date | None = None
    close_cause: str = ""
    successor: str = ""


@dataclass
class InvoiceRegistration:
    number: str  # T and 13 digits
    name: str
    address: str = ""
    kind: str = "2"
    registered_on: date = date(2023, 10, 1)
    cancelled_on: date | None = None
    expired_on: date | None = None


@dataclass
class VatRecord:
    number: str  # with its country prefix
    valid: bool = True
    name: str = "---"
    address: str = "---"


@dataclass
class Records:
    corporations: dict[str, Corporation] = field(default_factory=dict)
    invoices: dict[str, InvoiceRegistration] = field(default_factory=dict)
    vat: dict[str, VatRecord] = field(default_factory=dict)


def _corporation_fields(c: Corporation, sequence: int, latest: bool, closing: bool) -> str:
    values = {
        "sequenceNumber": str(sequence),
        "corporateNumber": c.number,
        "process": CLOSING_PROCESS.get(c.close_cause, "21") if closing else "01",
        "correct": "0",
        "updateDate": str(c.closed_on if closing else "2015-11-13"),
        "changeDate": str(c.closed_on if closing else "2015-10-05"),
        "name": c.name,
        "nameImageId": "",
        "kind": c.kind,
        "prefectureName": c.prefecture,
        "cityName": c.city,
        "streetNumber": c.street,
        "addressImageId": "",
        "prefectureCode": "13",
        "cityCode": "101",
        "postCode": "1000005",
        "addressOutside": "",
        "addressOutsideImageId": "",
        "closeDate": str(c.closed_on) if closing else "",
        "closeCause": c.close_cause if closing else "",
        "successorCorporateNumber": c.successor if closing else "",
        "changeCause": "",
        "assignmentDate": "2015-10-05",
        "latest": "1" if latest else "0",
        "enName": c.en_name,
        "enPrefectureName": "Tokyo" if c.en_name else "",
        "enCityName": "Chiyoda ku" if c.en_name else "",
        "enAddressOutside": "",
        "furigana": c.furigana,
        "hihyoji": "0",
    }
    return "".join(f"<{key}>{escape(value)}</{key}>" for key, value in values.items())


def corporations_xml(found: list[Corporation], history: bool) -> bytes:
    """The `<corporations>` answer: with history, a closed corporation has its first record
    and its closing one, the latter marked latest."""
    records: list[str] = []
    for c in found:
        closing = c.closed_on is not None
        if history and closing:
            records.append(_corporation_fields(c, len(records) + 1, False, False))
        records.append(_corporation_fields(c, len(records) + 1, True, closing))
    body = "".join(f"<corporation>{r}</corporation>" for r in records)
    head = f"<lastUpdateDate>{LAST_UPDATE}</lastUpdateDate><count>{len(records)}</count>"
    paging = "<divideNumber>1</divideNumber><divideSize>1</divideSize>"
    document = f'<?xml version="1.0" encoding="UTF-8"?><corporations>{head}{paging}{body}'
    return f"{document}</corporations>".encode()


def invoice_json(found: list[InvoiceRegistration]) -> dict[str, Any]:
    announcements = []
    for sequence, r in enumerate(found, start=1):
        process = "04" if r.cancelled_on else "03" if r.expired_on else "01"
        announcements.append(
            {
                "sequenceNumber": str(sequence),
                "registratedNumber": r.number,
                "process": process,
                "correct": "0",
                "kind": r.kind,
                "country": "1",
                "latest": "1",
                "registrationDate": str(r.registered_on),
                "updateDate": str(r.cancelled_on or r.expired_on or r.registered_on),
                "disposalDate": str(r.cancelled_on or ""),
                "disposalReason": "",
                "expireDate": str(r.expired_on or ""),
                "address": r.address,
                "addressPrefectureCode": "13" if r.address else "",
                "addressCityCode": "101" if r.address else "",
                "addressRequest": "",
                "kana": "",
                "name": r.name,
                "addressInside": "",
                "tradeName": "",
                "popularName_previousName": "",
            }
        )
    return {
        "lastUpdateDate": LAST_UPDATE,
        "count": str(len(announcements)),
        "divideNumber": "1",
        "divideSize": "1",
        "announcement": announcements,
    }


def vies_json(
    country: str, number: str, record: VatRecord | None, consultation: str
) -> dict[str, Any]:
    valid = record is not None and record.valid
    return {
        "countryCode": country,
        "vatNumber": number,
        "requestDate": "2026-12-07T05:00:00.000Z",
        "valid": valid,
        "requestIdentifier": consultation,
        "name": record.name if valid and record else "---",
        "address": record.address if valid and record else "---",
        "traderName": "",
        "traderStreet": "",
        "traderPostalCode": "",
        "traderCity": "",
        "traderCompanyType": "",
        "traderNameMatch": "NOT_PROCESSED",
        "traderStreetMatch": "NOT_PROCESSED",
        "traderPostalCodeMatch": "NOT_PROCESSED",
        "traderCityMatch": "NOT_PROCESSED",
        "traderCompanyTypeMatch": "NOT_PROCESSED",
    }


def vies_error(code: str) -> dict[str, Any]:
    return {"actionSucceed": False, "errorWrappers": [{"error": code, "message": None}]}
