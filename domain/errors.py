"""Rules a store refuses to break. Retrying cannot help, so the activities report each as a
non-retryable failure whose type is the rule's name."""

from __future__ import annotations


class BusinessRuleBroken(Exception):
    """The request contradicts what the store holds; `kind` names the rule."""

    kind = "BusinessRuleBroken"


class ProspectNotPending(BusinessRuleBroken):
    kind = "ProspectNotPending"


class LeadNotOpen(BusinessRuleBroken):
    kind = "LeadNotOpen"


class OpportunityNotOpen(BusinessRuleBroken):
    kind = "OpportunityNotOpen"


class RecordNotFound(BusinessRuleBroken):
    kind = "RecordNotFound"


class SiteUserEmailTaken(BusinessRuleBroken):
    kind = "SiteUserEmailTaken"


class LastAdmin(BusinessRuleBroken):
    """The change would leave the organization without an admin who can act."""

    kind = "LastAdmin"
