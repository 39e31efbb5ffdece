"""Inputs of the reference shape's writes that the project's activities no longer take: the
reference keeps its history, whatever the real workflow became."""

from __future__ import annotations

from domain.outcomes import CreditLimit
from domain.request import Model


class SetCreditLimitInput(Model):
    organization_customer_id: str
    credit_limit: CreditLimit
