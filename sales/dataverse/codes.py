"""Dataverse's state and status codes of lead and opportunity, and our reasons for them.

lead: statecode 0 Open, 1 Qualified, 2 Disqualified; statuscode 3 Qualified, 4 Lost,
5 Cannot Contact, 6 No Longer Interested, 7 Canceled. opportunity: statecode 0 Open, 1 Won,
2 Lost; statuscode 3 Won, 4 Canceled, 5 Out-Sold.
"""

from __future__ import annotations

from domain.outcomes import DisqualifyReason, LostReason

OPEN, QUALIFIED, DISQUALIFIED = 0, 1, 2
WON, LOST = 1, 2
LEAD_QUALIFIED = 3
LEAD_DISQUALIFY_REASONS = {
    4: DisqualifyReason.LOST,
    5: DisqualifyReason.CANNOT_CONTACT,
    6: DisqualifyReason.NO_LONGER_INTERESTED,
    7: DisqualifyReason.CANCELED,
}
OPPORTUNITY_WON = 3
OPPORTUNITY_LOST_REASONS = {4: LostReason.CANCELED, 5: LostReason.OUT_SOLD}
# leadsourcecode 8: Web.
LEAD_SOURCE_WEB = 8


def disqualify_status(reason: DisqualifyReason) -> int:
    return next(code for code, ours in LEAD_DISQUALIFY_REASONS.items() if ours is reason)


def lost_status(reason: LostReason | None) -> int:
    wanted = reason or LostReason.CANCELED
    return next(code for code, ours in OPPORTUNITY_LOST_REASONS.items() if ours is wanted)
