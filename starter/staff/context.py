"""What every staff page shows: who is signed in, and the onboarding's run in Temporal."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from starter.common.bootstrap import Services
from starter.common.rendering import render


def staff_context(services: Services, user: str, reference: str | None) -> dict[str, Any]:
    return {
        "staff_user": user,
        "reference": reference,
        "temporal_ui_url": services.settings.onboarding_temporal_ui_url.rstrip("/"),
        "namespace": services.settings.temporal_profile_in_use().namespace,
    }


def record_page(
    request: Request, services: Services, user: str, template: str, **record: dict[str, Any] | None
) -> Response:
    """The page of one record of an onboarding, linked to its run; 404 when it is unknown."""
    [(name, row)] = record.items()
    if row is None:
        raise HTTPException(status_code=404)
    context: dict[str, Any] = {name: row, **staff_context(services, user, row["reference"])}
    return render(request, template, **context)
