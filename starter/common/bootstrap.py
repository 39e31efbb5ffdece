"""The web app's composition root: every service built once at start-up, over one set of
stores and one Temporal client, and handed to handlers by `auth.ServicesDep`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from accounts.devices import DeviceTokens
from accounts.hashing import HashParameters, PasswordHasher
from accounts.sealing import KeyRing
from accounts.throttle import per_address
from commerce.state_changes import StateChanges
from commerce.store import CommerceStore
from plumbing.codec import parse_keys
from plumbing.settings import Settings
from plumbing.stores import open_stores
from plumbing.temporal import connect_temporal
from starter.common.devices import DeviceCookies
from starter.common.metrics import WebMetrics
from starter.common.ratelimit import RateLimiter
from starter.common.sessions import SessionManager
from starter.services.account_settings import AccountSettingsService
from starter.services.accounts import AccountService
from starter.services.approvals import ApprovalsService
from starter.services.back_office import BackOffice
from starter.services.blocked_approvals import BlockedApprovals
from starter.services.cloud_codec import CloudCodecAccess, CloudTokenPolicy
from starter.services.codec import CodecService
from starter.services.credit import CreditService
from starter.services.documents import DocumentDownloads
from starter.services.erasure import Erasure
from starter.services.health import HealthChecks
from starter.services.information_requests import InformationRequestService
from starter.services.lead_reviews import LeadReviews
from starter.services.onboardings import Onboardings
from starter.services.organization import OrganizationService
from starter.services.organization_rules import OrganizationRules
from starter.services.partner_user_runs import PartnerUserRuns
from starter.services.partner_users import PartnerUserService
from starter.services.pipeline import SalesPipeline
from starter.services.reads import OnboardingReads
from starter.services.second_factor import SEALING_PURPOSE, SecondFactorService
from starter.services.signing import Signer
from starter.services.start import OnboardingStarter
from starter.services.verification import CompanyVerifications


@dataclass(frozen=True)
class Services:
    settings: Settings
    staff_token: str
    storefront_token: str | None
    sessions: SessionManager
    devices: DeviceCookies
    submit_limit: RateLimiter
    # Link and reset requests per client address: each one sends an email.
    link_limit: RateLimiter
    health: HealthChecks
    onboardings: Onboardings
    pipeline: SalesPipeline
    # The Sales console's lead page and its qualify, with the company verification.
    lead_reviews: LeadReviews
    blocked_approvals: BlockedApprovals
    back_office: BackOffice
    accounts: AccountService
    account_settings: AccountSettingsService
    second_factor: SecondFactorService
    organization: OrganizationService
    organization_rules: OrganizationRules
    partner_users: PartnerUserService
    credit: CreditService
    approvals: ApprovalsService
    documents: DocumentDownloads
    information_requests: InformationRequestService
    codec: CodecService
    # Temporal Cloud's UI as a codec reader; None unless its origin is configured.
    cloud_codec: CloudCodecAccess | None


@contextlib.asynccontextmanager
async def _state_changes(settings: Settings) -> AsyncIterator[StateChanges]:
    changes = StateChanges(settings.commerce_database_url)
    try:
        yield changes
    finally:
        await changes.close()


def _factor_sealer(settings: Settings) -> KeyRing:
    return KeyRing(
        parse_keys(settings.onboarding_encryption_keys),
        settings.onboarding_encryption_key_id,
        purpose=SEALING_PURPOSE,
    )


def _second_factor(settings: Settings, commerce: CommerceStore) -> SecondFactorService:
    return SecondFactorService(
        commerce, _factor_sealer(settings), issuer=settings.onboarding_store_name
    )


def _cloud_codec(settings: Settings, commerce: CommerceStore) -> CloudCodecAccess | None:
    if settings.onboarding_codec_cloud_origin is None:
        return None
    policy = CloudTokenPolicy(
        jwks_url=settings.onboarding_codec_cloud_jwks_url,
        issuer=settings.onboarding_codec_cloud_issuer,
        audience=settings.onboarding_codec_cloud_audience,
    )
    factors = commerce.second_factors(_factor_sealer(settings))
    return CloudCodecAccess(policy, commerce.accounts, factors)


def _hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        HashParameters(
            time_cost=settings.onboarding_argon2_time_cost,
            memory_kib=settings.onboarding_argon2_memory_kib,
            parallelism=settings.onboarding_argon2_parallelism,
        )
    )


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, staff_token: str, metrics: WebMetrics | None = None
) -> AsyncIterator[Services]:
    metrics = metrics or WebMetrics()
    client = await connect_temporal(settings)
    queue = settings.onboarding_task_queue
    async with open_stores(settings) as stores, _state_changes(settings) as changes:
        commerce, sales = stores.commerce_store(), stores.sales_backend()
        starter = OnboardingStarter(
            client, stores.commerce, queue, settings.policy(), settings.onboarding_token_secret
        )
        reads = OnboardingReads(client, commerce, changes)
        verifications = CompanyVerifications(commerce.company_checks)
        pipeline = SalesPipeline(client, sales, stores.webhook_deliveries(), reads)
        devices = DeviceTokens(settings.onboarding_token_secret)
        hasher = _hasher(settings)
        accounts = AccountService(
            commerce,
            hasher,
            client,
            queue,
            per_address(settings.onboarding_sign_in_failures_per_address),
            devices,
        )
        information_requests = InformationRequestService(
            client,
            commerce.information_requests,
            stores.documents(settings),
            sales,
            settings.onboarding_token_secret,
            ZoneInfo(settings.onboarding_shop_time_zone),
        )
        yield Services(
            settings=settings,
            staff_token=staff_token,
            storefront_token=settings.onboarding_storefront_token,
            sessions=SessionManager(
                commerce,
                settings.onboarding_token_secret,
                secure=settings.onboarding_environment != "dev",
                idle=settings.onboarding_session_idle,
                lifetime=settings.onboarding_session_lifetime,
            ),
            devices=DeviceCookies(devices, secure=settings.onboarding_environment != "dev"),
            submit_limit=RateLimiter(
                settings.onboarding_submit_rate_per_minute, settings.onboarding_submit_burst
            ),
            link_limit=RateLimiter(settings.onboarding_link_requests_per_minute, 5),
            health=HealthChecks(client, commerce, sales),
            onboardings=Onboardings(
                starter,
                reads,
                Erasure(client, commerce, sales),
                sales,
                Signer(settings.onboarding_token_secret, "status-link"),
                metrics,
                verifications,
            ),
            pipeline=pipeline,
            lead_reviews=LeadReviews(pipeline, verifications, information_requests, sales),
            blocked_approvals=BlockedApprovals(client, commerce, reads),
            back_office=BackOffice(commerce, sales, accounts),
            accounts=accounts,
            account_settings=AccountSettingsService(
                commerce, hasher, accounts, client, queue, settings.onboarding_session_idle
            ),
            second_factor=_second_factor(settings, commerce),
            organization=OrganizationService(commerce),
            organization_rules=OrganizationRules(commerce),
            partner_users=PartnerUserService(
                commerce,
                accounts,
                starter,
                PartnerUserRuns(client, queue, settings.invitation_policy()),
            ),
            credit=CreditService(
                commerce,
                client,
                queue,
                settings.onboarding_purchase_approval_expire_after,
                metrics,
                freeze_unverified=settings.onboarding_freeze_unverified,
                escalate_after=settings.onboarding_approval_escalate_after,
                shop_time_zone=settings.onboarding_shop_time_zone,
            ),
            approvals=ApprovalsService(commerce, settings.onboarding_shop_time_zone),
            documents=DocumentDownloads(stores.documents(settings)),
            information_requests=information_requests,
            codec=CodecService(settings.codec()),
            cloud_codec=_cloud_codec(settings, commerce),
        )
