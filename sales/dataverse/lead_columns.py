"""A request as a Dataverse lead: the documented columns, cut to their maximum lengths."""

from __future__ import annotations

import uuid
from typing import Any

from domain.request import OnboardingRequest
from sales.dataverse.codes import LEAD_SOURCE_WEB

# Names our ids in Dataverse: the same onboarding always means the same GUIDs.
NAMESPACE = uuid.UUID("6f1d3c52-6a43-4f4e-9b7e-2d51c8a0b1e4")
# From the lead table's column definitions (MaxLength).
MAX_LENGTH = {
    "subject": 300,
    "firstname": 50,
    "lastname": 50,
    "emailaddress1": 100,
    "telephone1": 50,
    "jobtitle": 100,
    "companyname": 100,
    "websiteurl": 200,
    "address1_line1": 250,
    "address1_city": 80,
    "address1_postalcode": 20,
    "address1_country": 80,
    "description": 2000,
}


def record_guid(reference: str, what: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{reference}/{what}")


def lead_columns(reference: str, request: OnboardingRequest) -> dict[str, Any]:
    company, contact = request.company, request.contact
    address = company.address
    columns: dict[str, Any] = {
        "subject": f"Business partner request: {company.name} ({reference})",
        "firstname": contact.first_name,
        "lastname": contact.last_name,
        "emailaddress1": contact.email,
        "telephone1": contact.phone or company.phone,
        "jobtitle": contact.job_title,
        "companyname": company.name,
        "websiteurl": company.website,
        "address1_line1": address.line1 if address else None,
        "address1_city": address.city if address else None,
        "address1_postalcode": address.postal_code if address else None,
        "address1_country": address.country if address else None,
        "description": request.comments,
    }
    lead = {k: v[: MAX_LENGTH[k]] for k, v in columns.items() if v}
    lead["leadsourcecode"] = LEAD_SOURCE_WEB
    return lead


def note_text(reference: str, prospect_id: str, request: OnboardingRequest) -> str:
    """Where the lead came from, with whatever the lead's columns had to cut."""
    lines = [
        f"Business partner request {reference} from the B2B site.",
        f"Commerce prospect: {prospect_id}.",
    ]
    if len(request.contact.email) > MAX_LENGTH["emailaddress1"]:
        lines.append(f"Email: {request.contact.email}")
    if request.company.tax_id:
        lines.append(f"Tax id: {request.company.tax_id}")
    return "\n".join(lines)
