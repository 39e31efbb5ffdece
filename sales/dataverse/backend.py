"""The Sales port over Dynamics 365 Sales. Salespeople decide in Dynamics 365; the webhook
brings each decision to the workflow, whose activities then find the decision already made
(or make it, when it came another way) and note the records it created.

Every write is idempotent: the lead's and the note's GUIDs derive from the reference, a
create is `If-None-Match: *`, and a step that finds its state already reached does nothing.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from domain.errors import LeadNotOpen, OpportunityNotOpen, RecordNotFound
from domain.outcomes import DisqualifyReason, LostReason
from domain.request import OnboardingRequest
from sales.dataverse import codes
from sales.dataverse.client import DataverseClient
from sales.dataverse.lead_columns import lead_columns, note_text, record_guid
from sales.dataverse.records import DataverseRecords
from sales.port import Row
from storage.database import Database

ENTITY_SETS = {
    "lead": "leads",
    "opportunity": "opportunities",
    "contact": "contacts",
    "account": "accounts",
}
# Erased children first, the lead (and with it its notes) last.
ERASE_ORDER = ("opportunity", "contact", "account", "lead")
CREATE = {"If-None-Match": "*"}
UPDATE = {"If-Match": "*"}


def _guid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class DataverseSales:
    def __init__(self, db: Database, client: DataverseClient) -> None:
        self.records = DataverseRecords(db)
        self.client = client

    async def _note(
        self, reference: str, what: str, lead: uuid.UUID, subject: str, text: str
    ) -> None:
        await self.client.call(
            "POST",
            "annotations",
            body={
                "annotationid": str(record_guid(reference, what)),
                "subject": subject,
                "notetext": text,
                "objectid_lead@odata.bind": f"/leads({lead})",
            },
            expect=(204, 412),  # 412: this note exists, from an earlier attempt
        )

    async def create_lead(
        self, lead_id: str, prospect_id: str, reference: str, request: OnboardingRequest
    ) -> None:
        lead = record_guid(reference, "lead")
        await self.records.remember(lead_id, reference, "lead", lead)
        await self.client.call(
            "PATCH",
            f"leads({lead})",
            body=lead_columns(reference, request),
            headers=CREATE,
            expect=(204, 412),  # 412: created by an earlier attempt
        )
        await self._note(
            reference, "note", lead, "From the B2B site", note_text(reference, prospect_id, request)
        )

    async def _lead_state(self, lead: uuid.UUID) -> dict[str, Any]:
        row = await self.client.get(
            f"leads({lead})?$select=statecode,statuscode,_qualifyingopportunityid_value"
        )
        if row is None:
            raise RecordNotFound(f"lead {lead} is not in Dataverse")
        return row

    async def qualify_lead(
        self, lead_id: str, opportunity_id: str, contact_id: str, account_id: str, decided_by: str
    ) -> None:
        reference, lead = await self.records.find(lead_id)
        state = await self._lead_state(lead)
        if state["statecode"] == codes.DISQUALIFIED:
            raise LeadNotOpen(f"lead {lead} is disqualified in Dynamics 365")
        if state["statecode"] == codes.OPEN:
            await self.client.call(
                "POST",
                f"leads({lead})/Microsoft.Dynamics.CRM.QualifyLead",
                body={
                    "CreateAccount": True,
                    "CreateContact": True,
                    "CreateOpportunity": True,
                    "Status": codes.LEAD_QUALIFIED,
                },
            )
            state = await self._lead_state(lead)
        opportunity = state.get("_qualifyingopportunityid_value")
        if not opportunity:
            return  # qualified by a plain update: Dynamics 365 made no opportunity
        row = await self.client.get(
            f"opportunities({opportunity})?$select=_parentaccountid_value,_parentcontactid_value"
        )
        await self.records.remember(opportunity_id, reference, "opportunity", opportunity)
        if row is not None:
            await self.records.remember(
                account_id, reference, "account", row.get("_parentaccountid_value")
            )
            await self.records.remember(
                contact_id, reference, "contact", row.get("_parentcontactid_value")
            )

    async def disqualify_lead(
        self, lead_id: str, reason: DisqualifyReason, decided_by: str, note: str
    ) -> None:
        reference, lead = await self.records.find(lead_id)
        state = await self._lead_state(lead)
        if state["statecode"] == codes.QUALIFIED:
            raise LeadNotOpen(f"lead {lead} is qualified in Dynamics 365")
        if state["statecode"] == codes.OPEN:
            status = codes.disqualify_status(reason)
            await self.client.call(
                "PATCH",
                f"leads({lead})",
                headers=UPDATE,
                body={"statecode": codes.DISQUALIFIED, "statuscode": status},
            )
        if note:
            await self._note(reference, "closing-note", lead, f"Disqualified: {reason}", note)

    async def close_opportunity(
        self,
        opportunity_id: str,
        outcome: Literal["won", "lost"],
        reason: LostReason | None,
        decided_by: str,
    ) -> None:
        _, opportunity = await self.records.find(opportunity_id)
        row = await self.client.get(f"opportunities({opportunity})?$select=statecode,statuscode")
        if row is None:
            raise RecordNotFound(f"opportunity {opportunity} is not in Dataverse")
        wanted = codes.WON if outcome == "won" else codes.LOST
        if row["statecode"] == wanted:
            return
        if row["statecode"] != codes.OPEN:
            raise OpportunityNotOpen(f"opportunity {opportunity} is closed the other way")
        status = codes.OPPORTUNITY_WON if outcome == "won" else codes.lost_status(reason)
        await self.client.call(
            "POST",
            "WinOpportunity" if outcome == "won" else "LoseOpportunity",
            body={
                "Status": status,
                "OpportunityClose": {
                    "subject": f"Closed as {outcome} by the onboarding",
                    "opportunityid@odata.bind": f"/opportunities({opportunity})",
                },
            },
        )

    async def note_on_lead(self, lead_id: str, key: str, subject: str, text: str) -> None:
        """An annotation on the lead; its GUID derives from the reference and `key`."""
        reference, lead = await self.records.find(lead_id)
        await self._note(reference, key, lead, subject, text)

    # Salespeople read leads in Dynamics 365; our console steps aside.
    async def leads(self, view: str, user: str, limit: int, offset: int) -> list[Row]:
        return []

    async def lead(self, lead_id: str) -> Row | None:
        return None

    async def opportunity(self, opportunity_id: str) -> Row | None:
        return None

    async def reference_of_lead(self, lead_id: str) -> str | None:
        guid = _guid(lead_id)
        return None if guid is None else await self.records.reference_of_lead(guid)

    async def reference_of_opportunity(self, opportunity_id: str) -> str | None:
        """Through the opportunity's originating lead, as Dataverse tells it."""
        guid = _guid(opportunity_id)
        if guid is None:
            return None
        row = await self.client.get(f"opportunities({guid})?$select=_originatingleadid_value")
        lead = (row or {}).get("_originatingleadid_value")
        return await self.reference_of_lead(str(lead)) if lead else None

    async def erase(self, reference: str) -> bool:
        rows = await self.records.of(reference)
        for entity in ERASE_ORDER:
            for row in rows:
                if row["entity"] == entity:
                    await self.client.call(
                        "DELETE", f"{ENTITY_SETS[entity]}({row['record_id']})", expect=(204, 404)
                    )
        await self.records.forget(reference)
        return bool(rows)

    async def can_reach(self) -> bool:
        return (await self.client.get("WhoAmI")) is not None

    async def record_links(self, reference: str) -> list[Row]:
        return [
            {
                "entity": r["entity"],
                "id": str(r["record_id"]),
                "url": self._record_page(r["entity"], r["record_id"]),
            }
            for r in await self.records.of(reference)
        ]

    def _record_page(self, entity: str, record_id: uuid.UUID) -> str:
        """The record's form in the Dynamics 365 web client."""
        return f"{self.client.url}/main.aspx?etn={entity}&id={record_id}&pagetype=entityrecord"
