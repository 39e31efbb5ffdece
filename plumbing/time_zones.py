"""The shop's calendar: the time zone whose months the monthly budgets follow."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator
from pydantic_settings import BaseSettings


def time_zone(name: str) -> str:
    """The name, once the time zone database knows it; a ValueError names what is wrong."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone name (such as Asia/Tokyo)") from None
    return name


class ShopCalendar(BaseSettings):
    # An IANA name that Python and PostgreSQL both know.
    onboarding_shop_time_zone: Annotated[str, AfterValidator(time_zone)] = "Asia/Tokyo"
