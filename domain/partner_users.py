"""A partner organization's new user: what its admin entered, with the ids the web app chose.

One model for every layer: the invitation's run carries it, its activity hands it to the
store, and the store writes it.
"""

from __future__ import annotations

from decimal import Decimal

from domain.locale import Locale
from domain.request import Model


class NewUser(Model):
    hierarchy_id: str
    customer_id: str
    site_user_id: str
    first_name: str
    last_name: str
    email: str
    job_title: str | None = None
    phone: str | None = None
    spending_limit: Decimal | None = None
    locale: Locale
