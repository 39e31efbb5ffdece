"""The Dataverse fake's tables: their columns, the checks on written bodies, the error bodies,
and the Web API's operations on records.

Codes and messages are the ones Dataverse's Web API v9.2 documents; where it documents none,
the comment beside the answer says what was chosen.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse, Response

API = "/api/data/v9.2/"
ODATA = {"OData-Version": "4.0"}
JSON_TYPE = "application/json; odata.metadata=minimal"
# Entity set name -> table (logical) name.
TABLES = {
    "leads": "lead", "annotations": "annotation", "opportunities": "opportunity",
    "accounts": "account", "contacts": "contact",
}  # fmt: skip
# The writable text columns and their maximum lengths, from the tables' column definitions.
LEAD_TEXT = {
    "subject": 300, "firstname": 50, "lastname": 50, "emailaddress1": 100, "telephone1": 50,
    "jobtitle": 100, "companyname": 100, "websiteurl": 200, "address1_line1": 250,
    "address1_city": 80, "address1_postalcode": 20, "address1_country": 80, "description": 2000,
}  # fmt: skip
NOTE_TEXT = {"subject": 500, "notetext": 100000}
# A note's attachment: its name, its type and its content in base64 (the annotation entity).
NOTE_DOCUMENT = {"filename": 255, "mimetype": 256, "documentbody": 1073741823}
NOTE_BIND = "objectid_lead@odata.bind"
STATE = ["statecode", "statuscode"]
SYSTEM = ["createdon", "versionnumber"]
COLUMNS = {
    "lead": ["leadid", *LEAD_TEXT, "leadsourcecode", *STATE, "_qualifyingopportunityid_value",
             *SYSTEM],
    "annotation": ["annotationid", *NOTE_TEXT, *NOTE_DOCUMENT, "isdocument", "filesize",
                   "_objectid_value", "objecttypecode", *SYSTEM],
    "opportunity": ["opportunityid", "name", *STATE, "_originatingleadid_value",
                    "_parentaccountid_value", "_parentcontactid_value", *SYSTEM],
    "account": ["accountid", "name", *STATE, *SYSTEM],
    "contact": ["contactid", "firstname", "lastname", "emailaddress1", "jobtitle", "telephone1",
                "_parentcustomerid_value", *STATE, *SYSTEM],
}  # fmt: skip
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_BIND = re.compile(r"(?:.*/api/data/v9\.2)?/leads\((.*)\)")


def now() -> str:
    """Dataverse's date-time columns read as UTC to the second, e.g. 2026-01-31T09:30:00Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def guid(text: Any) -> str | None:
    """The GUID in lowercase, as the fake keys its records; None if it is not one."""
    return text.lower() if isinstance(text, str) and _GUID.fullmatch(text) else None


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status, {**ODATA, **(headers or {})}, media_type=JSON_TYPE)


def missing(table: str, key: str) -> Response:
    return error(404, "0x80040217", f"{table} With Id = {key} Does Not Exist")


def unknown_property(table: str, name: str) -> Response:
    message = f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{table}'."
    return error(400, "0x80060888", message)


def bad_payload(entity_set: str) -> Response:
    """A body that is not JSON, or a value of the wrong type for its column."""
    message = f"Error identified in Payload provided by the user for Entity :'{entity_set}'."
    return error(400, "0x80048d19", message)


def invalid(message: str) -> Response:
    return error(400, "0x80044331", f"A validation error occurred. {message}")


def unsupported(name: str) -> Response:
    # Dataverse answers 0x0 for a query option it does not know; the fake knows fewer of them
    # ($select, and $filter on annotations), so a client cannot lean on one it ignores.
    return error(400, "0x0", f"The query parameter '{name}' is not supported.")


def check_body(
    entity_set: str, body: Any, text: dict[str, int], other: set[str]
) -> Response | None:
    """The first problem with a written body's columns, as Dataverse reports it; None if none."""
    table = TABLES[entity_set]
    if not isinstance(body, dict):
        return bad_payload(entity_set)
    for name, value in body.items():
        if name not in text:
            if name not in other:
                return unknown_property(table, name)
        elif value is not None and not isinstance(value, str):
            return bad_payload(entity_set)
        elif value is not None and len(value) > text[name]:
            return invalid(
                f"The length of the '{name}' attribute of the '{table}' entity exceeded "
                f"the maximum allowed length of '{text[name]}'."
            )
    return None


def check_lead(body: Any) -> Response | None:
    if (problem := check_body("leads", body, LEAD_TEXT, {"leadsourcecode", *STATE})) is not None:
        return problem
    # A lead's state is set with its reason: 2 Disqualified with 4-7 (Qualify is an action).
    state, status = body.get("statecode"), body.get("statuscode")
    if (state, status) != (None, None) and not (state == 2 and status in (4, 5, 6, 7)):
        return invalid(f"{status} is not a valid status code for state code {state} of lead.")
    source = body.get("leadsourcecode")
    if source is not None and (isinstance(source, bool) or not isinstance(source, int)):
        return bad_payload("leads")
    if source is not None and not 1 <= source <= 10:
        return invalid(
            f"The value {source} of 'leadsourcecode' on record of type 'lead' "
            "is outside the valid range."
        )
    return None


def document_size(documentbody: str) -> int | None:
    """The size of a note's attachment, or None when its base64 does not decode."""
    try:
        return len(base64.b64decode(documentbody, validate=True))
    except (ValueError, TypeError):
        return None


def check_note(body: Any) -> Response | None:
    """A note's columns, its client-chosen id and its binding to a lead are well formed."""
    text = NOTE_TEXT | NOTE_DOCUMENT
    problem = check_body("annotations", body, text, {"annotationid", NOTE_BIND})
    if problem is not None:
        return problem
    if "annotationid" in body and guid(body["annotationid"]) is None:
        return bad_payload("annotations")
    if NOTE_BIND in body and bound_lead(body[NOTE_BIND]) is None:
        return bad_payload("annotations")
    if body.get("documentbody") is not None and document_size(body["documentbody"]) is None:
        return bad_payload("annotations")
    return None


def bound_lead(bind: Any) -> str | None:
    """The lead's id in "/leads(<guid>)", or in that URL made absolute."""
    match = _BIND.fullmatch(bind) if isinstance(bind, str) else None
    return guid(match.group(1)) if match else None


def selection(table: str, select: str | None) -> tuple[list[str], Response | None]:
    """The columns a $select names, or the error for the first one the table lacks."""
    names = [name.strip() for name in select.split(",")] if select else []
    wrong = [name for name in names if name not in COLUMNS[table]]
    return names, unknown_property(table, wrong[0]) if wrong else None


def render(record: dict[str, Any], table: str, select: list[str]) -> dict[str, Any]:
    """A record as the Web API answers it: its etag, the columns asked for, always its id."""
    body: dict[str, Any] = {"@odata.etag": f'W/"{record["versionnumber"]}"'}
    body.update({name: record.get(name) for name in select or COLUMNS[table]})
    body[f"{table}id"] = record[f"{table}id"]
    return body


class Tables:
    """Each entity set's records, keyed by lowercase GUID, and the Web API's work on them."""

    def __init__(self) -> None:
        self.sets: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in TABLES}
        self.base = API  # The service root, made absolute once the fake is served.
        self._version = 1000  # Dataverse's versionnumber: a row version shared by all tables.

    def create(self, entity_set: str, key: str | None = None, **columns: Any) -> dict[str, Any]:
        key = key or str(uuid.uuid4())
        record = {f"{TABLES[entity_set]}id": key, **columns, "createdon": now()}
        self.sets[entity_set][key] = record
        return self.change(record)

    def change(self, record: dict[str, Any], **columns: Any) -> dict[str, Any]:
        self._version += 1
        record.update(columns, versionnumber=self._version)
        return record

    def retrieve(self, entity_set: str, key: str, query: Mapping[str, str]) -> Response:
        table = TABLES[entity_set]
        select, problem = selection(table, query.get("$select"))
        record = self.sets[entity_set].get(key)
        if problem is not None or record is None:
            return problem or missing(table, key)
        shape = f"{entity_set}({','.join(select)})" if select else entity_set
        context = f"{self.base}$metadata#{shape}/$entity"
        return answer({"@odata.context": context, **render(record, table, select)})

    def notes(self, query: Mapping[str, str]) -> Response:
        select, problem = selection("annotation", query.get("$select"))
        condition = query.get("$filter")
        match = re.fullmatch(r"_objectid_value eq (\S+)", condition or "")
        record = guid(match.group(1)) if match else None
        if problem is not None or (condition is not None and record is None):
            # The fake reads one filter only: the notes of one record.
            return problem or error(400, "0x0", "Only _objectid_value eq <guid> is understood.")
        notes = self.sets["annotations"].values()
        chosen = [n for n in notes if record in (None, n["_objectid_value"])]
        shape = f"annotations({','.join(select)})" if select else "annotations"
        values = [render(note, "annotation", select) for note in chosen]
        return answer({"@odata.context": f"{self.base}$metadata#{shape}", "value": values})

    def upsert_lead(self, key: str, body: Any, headers: Mapping[str, str]) -> Response:
        """PATCH: If-None-Match * creates only, If-Match * (or an etag) updates only."""
        if (problem := check_lead(body)) is not None:
            return problem
        if_match, if_none = headers.get("If-Match"), headers.get("If-None-Match")
        record = self.sets["leads"].get(key)
        if record is not None and if_none == "*":
            return error(412, "0x80060882", "A record with matching key values already exists.")
        if record is None and if_match is not None:
            return missing("lead", key)
        if record is not None and if_match not in (None, "*", f'W/"{record["versionnumber"]}"'):
            stale = (
                "The version of the existing record doesn't match the RowVersion property provided."
            )
            return error(412, "0x80060882", stale)
        if record is None:
            record = self.create("leads", key, statecode=0, statuscode=1)
        self.change(record, **body)
        return self._no_content("leads", key)

    def create_note(self, body: Any) -> Response:
        if (problem := check_note(body)) is not None:
            return problem
        key = guid(body.get("annotationid")) or str(uuid.uuid4())
        lead = bound_lead(body.get(NOTE_BIND))
        if lead is not None and lead not in self.sets["leads"]:
            return missing("lead", lead)
        if key in self.sets["annotations"]:
            # Dataverse reports a duplicate primary key as 412 DuplicateRecord.
            return error(412, "0x80040237", "Cannot insert duplicate key.")
        document = body.get("documentbody")
        self.create(
            "annotations", key, subject=body.get("subject"), notetext=body.get("notetext"),
            filename=body.get("filename"), mimetype=body.get("mimetype"), documentbody=document,
            isdocument=document is not None, filesize=document_size(document or ""),
            _objectid_value=lead, objecttypecode="lead" if lead else None,
        )  # fmt: skip
        return self._no_content("annotations", key)

    def delete(self, entity_set: str, key: str) -> Response:
        if self.sets[entity_set].pop(key, None) is None:
            return missing(TABLES[entity_set], key)
        notes = self.sets["annotations"]
        for note in [k for k, n in notes.items() if n["_objectid_value"] == key]:
            del notes[note]  # A record's notes are deleted with it (cascade).
        return Response(status_code=204, headers=ODATA)

    def _no_content(self, entity_set: str, key: str) -> Response:
        # The fake always answers 204; it does not model `Prefer: return=representation`.
        entity_id = f"{self.base}{entity_set}({key})"
        return Response(status_code=204, headers={**ODATA, "OData-EntityId": entity_id})


def answer(body: dict[str, Any]) -> Response:
    return JSONResponse(body, headers=ODATA, media_type=JSON_TYPE)
