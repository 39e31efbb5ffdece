"""The health check that load balancers and the run script poll."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from starter.api.schemas import Health
from starter.common.auth import ServicesDep

router = APIRouter()


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(services: ServicesDep) -> Health | JSONResponse:
    """200 when the app reaches Temporal and both stores."""
    probes: dict[str, Callable[[], Awaitable[Any]]] = {
        "temporal": services.client.service_client.check_health,
        "commerce": services.commerce.can_reach,
        "sales": services.sales.can_reach,
    }
    checks = {}
    for name, probe in probes.items():
        try:
            checks[name] = bool(await asyncio.wait_for(probe(), timeout=3))
        except Exception:  # any failure to answer means "not reachable"
            checks[name] = False
    health = Health(status="ok" if all(checks.values()) else "unavailable", **checks)
    if health.status == "ok":
        return health
    return JSONResponse(status_code=503, content=health.model_dump())
