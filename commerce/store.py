"""The Commerce store, its parts built over one pool."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from commerce.account_settings import AccountSettings
from commerce.accounts import Accounts
from commerce.approval_threshold import ApprovalThresholds
from commerce.approvals import Approvals
from commerce.company_checks import CompanyChecks
from commerce.credit import Credit
from commerce.credit_limits import CreditLimits
from commerce.customers import Customers
from commerce.delegations import Delegations
from commerce.erasure import erase_onboarding, record_erasure, was_erased
from commerce.housekeeping import purge_expired
from commerce.information_requests import InformationRequests
from commerce.memberships import Memberships
from commerce.onboarding_states import OnboardingStates
from commerce.organization_settings import OrganizationSettings
from commerce.outbox import EmailOutbox
from commerce.partner_flags import PartnerFlags
from commerce.partner_users import PartnerUsers
from commerce.prospects import Prospects
from commerce.second_factors import Sealer, SecondFactors
from commerce.sessions import Sessions
from commerce.sign_in_failures import SignInFailures
from commerce.site_users import SiteUsers
from commerce.staff_access import StaffAccess
from domain.errors import SiteUserEmailTaken
from domain.outcomes import EMAIL_HELD, CreditLimit, ProspectStatus
from storage.database import Database

MIGRATIONS = "commerce"


@dataclass(frozen=True)
class PartnerApproval:
    prospect_id: str
    hierarchy_id: str
    name: str
    organization_customer_id: str
    admin_customer_id: str
    credit_limit: CreditLimit
    site_user_id: str
    email: str


class CommerceStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.prospects = Prospects(db)
        self.customers = Customers(db)
        self.site_users = SiteUsers(db)
        self.outbox = EmailOutbox(db)
        self.onboarding_states = OnboardingStates(db)
        self.accounts = Accounts(db)
        self.account_settings = AccountSettings(db)
        self.sessions = Sessions(db)
        self.sign_in_failures = SignInFailures(db)
        self.partner_users = PartnerUsers(db)
        self.memberships = Memberships(db)
        self.credit = Credit(db)
        self.approvals = Approvals(db)
        self.delegations = Delegations(db)
        self.credit_limits = CreditLimits(db)
        self.approval_thresholds = ApprovalThresholds(db)
        self.staff_access = StaffAccess(db)
        self.organization_settings = OrganizationSettings(db)
        self.information_requests = InformationRequests(db)
        self.partner_flags = PartnerFlags(db)
        self.company_checks = CompanyChecks(db)

    def second_factors(self, sealer: Sealer) -> SecondFactors:
        """The accounts' second factors, their secrets sealed by `sealer`."""
        return SecondFactors(self.db, sealer)

    async def approve_partner(self, approval: PartnerApproval) -> bool:
        """The approval's Commerce writes in one transaction: the prospect approved, the
        hierarchy with the requester as its admin, its credit limit, and the admin invited
        to the site. Repeated, it finds them all done and changes nothing. False, with none
        of them written and the prospect marked `approval_blocked`, when the requester's
        email became a site user's after the request was submitted."""
        a = approval
        try:
            async with self.db.transaction():
                await self.prospects.close(a.prospect_id, ProspectStatus.APPROVED, None)
                await self.customers.create_hierarchy(
                    a.hierarchy_id, a.name, a.organization_customer_id, a.admin_customer_id
                )
                await self.customers.set_credit_limit(a.organization_customer_id, a.credit_limit)
                await self.site_users.invite(
                    a.site_user_id, a.admin_customer_id, a.hierarchy_id, a.email
                )
        except SiteUserEmailTaken:
            await self.prospects.block_approval(a.prospect_id, EMAIL_HELD)
            return False
        return True

    async def purge_expired(self, session_idle: timedelta) -> dict[str, int]:
        """Delete expired sessions, dead links and forgotten sign-in failures."""
        return await purge_expired(self.db, session_idle)

    async def erase(self, reference: str) -> bool:
        """Delete every row the onboarding wrote; True if there was any."""
        return await erase_onboarding(self.db, reference)

    async def record_erasure(self, reference: str) -> None:
        """Remember that the onboarding was erased: its reference alone, nothing personal."""
        await record_erasure(self.db, reference)

    async def was_erased(self, reference: str) -> bool:
        return await was_erased(self.db, reference)

    async def can_reach(self) -> bool:
        return bool(await self.db.fetchval("SELECT true"))
