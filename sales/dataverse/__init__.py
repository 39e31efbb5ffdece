"""Dynamics 365 Sales through the Dataverse Web API (SALES_BACKEND=dataverse)."""

from __future__ import annotations

from sales.dataverse.backend import DataverseSales
from sales.dataverse.client import DataverseClient, DataverseConfig

__all__ = ["DataverseClient", "DataverseConfig", "DataverseSales"]
