"""Configuration from the environment, validated once when a process starts."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import SettingsConfigDict

from domain.outcomes import CreditLimit
from plumbing.codec import EncryptionCodec, parse_keys
from plumbing.registry_settings import RegistryEnvironment
from plumbing.start_checks import (
    CODEC_CLOUD_BINDING,
    UNSET,
    WEB_SECRETS,
    keys_weakness,
    refusal,
    secret_weakness,
    web_secret_weaknesses,
)
from plumbing.temporal_settings import TemporalSettings
from plumbing.time_zones import ShopCalendar
from sales.dataverse.client import DataverseConfig
from workflows.models import InvitationPolicy, OnboardingPolicy

DEV_TOKEN_SECRET = "dev-only-activation-secret"
# A fixed key so dev runs and tests can read each other's histories; never for production.
DEV_ENCRYPTION_KEYS = "dev-1:" + base64.b64encode(hashlib.sha256(b"dev-only-key").digest()).decode()
DEV = "dev"
# Durations that must be positive, as fields.
POSITIVE_DURATIONS = (
    "onboarding_activation_ttl",
    "onboarding_reset_ttl",
    "onboarding_session_idle",
    "onboarding_session_lifetime",
    "onboarding_invitation_reminder_after",
    "onboarding_invitation_expire_after",
    "onboarding_purchase_approval_expire_after",
)
DATAVERSE_CREDENTIALS = ("dataverse_url", "dataverse_client_id", "dataverse_client_secret")


class Settings(TemporalSettings, RegistryEnvironment, ShopCalendar):
    """Variable names are the field names in upper case (SPEC.md, "Interfaces"); the
    `TEMPORAL_*` ones are in `TemporalSettings`, the registries' in `RegistryEnvironment`."""

    # An empty variable counts as unset, so a compose file can pass an optional one through.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)

    onboarding_task_queue: str = "partner-onboarding"

    commerce_database_url: str = "postgresql://postgres@localhost:5432/commerce"
    sales_database_url: str = "postgresql://postgres@localhost:5432/sales"
    database_pool_size: int = Field(default=10, ge=1, le=200)
    onboarding_max_concurrent_activities: int = Field(default=100, ge=1)
    onboarding_max_concurrent_workflow_tasks: int = Field(default=100, ge=1)
    # Bounds the worker's memory however many onboardings wait.
    onboarding_max_cached_workflows: int = Field(default=1000, ge=0)
    # Upper bounds for the SDK's poller autoscaling; it starts at a few and follows the backlog.
    onboarding_max_workflow_task_polls: int = Field(default=20, ge=2)
    onboarding_max_activity_task_polls: int = Field(default=20, ge=1)
    # After SIGTERM: how long running activities may go on before they are cancelled.
    onboarding_worker_shutdown_grace: timedelta = Field(default=timedelta(seconds=25))

    # Where leads live: our Sales store and console, or Dynamics 365 Sales (SPEC.md).
    sales_backend: Literal["builtin", "dataverse"] = "builtin"
    dataverse_url: str | None = Field(default=None, pattern=r"^https?://[^/\s]+/?$")
    dataverse_tenant_id: str | None = None
    dataverse_client_id: str | None = None
    dataverse_client_secret: SecretStr | None = None
    # Otherwise the Microsoft identity platform's endpoint of the tenant.
    dataverse_token_url: str | None = None

    smtp_host: str = "localhost"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    onboarding_mail_from: str = Field(default="noreply@shop.example", pattern=r"^[^@\s]+@[^@\s]+$")
    onboarding_sales_inbox: str = Field(default="sales@shop.example", pattern=r"^[^@\s]+@[^@\s]+$")
    onboarding_store_name: str = "Contoso B2B Store"
    onboarding_store_url: str = "http://localhost:8000"
    onboarding_http_host: str = "127.0.0.1"
    onboarding_http_port: int = Field(default=8000, ge=1, le=65535)
    # Proxies whose X-Forwarded-For names the client ("*" for any): the sign-in throttle and
    # the form's rate limit count per client address.
    onboarding_forwarded_allow_ips: str = "127.0.0.1"
    onboarding_temporal_ui_url: str = "http://localhost:8233"
    # Temporal Cloud's UI calling the codec with the user's access token (unset: refused);
    # the token is checked against these signing keys, issuer and audience (both required).
    onboarding_codec_cloud_origin: str | None = Field(default=None, pattern=r"^https?://[^/\s]+$")
    onboarding_codec_cloud_jwks_url: str = "https://login.tmprl.cloud/.well-known/jwks.json"
    onboarding_codec_cloud_issuer: str | None = None
    onboarding_codec_cloud_audience: str | None = None
    onboarding_metrics_port: int = Field(default=9464, ge=0, le=65535)
    onboarding_staff_token: str | None = None
    # Bearer token of the storefront: opens the purchase-authorization endpoints, nothing else.
    onboarding_storefront_token: str | None = None
    onboarding_purchase_approval_expire_after: timedelta = timedelta(days=3)
    onboarding_approval_escalate_after: timedelta = Field(default=timedelta(days=1), gt=timedelta())
    # Shared secret the Sales CRM sends in X-Webhook-Secret; unset refuses every delivery.
    onboarding_webhook_secret: str | None = None
    # Form submissions per client address; 0 turns the limit off.
    onboarding_submit_rate_per_minute: int = Field(default=20, ge=0)
    onboarding_submit_burst: int = Field(default=10, ge=1)
    # Acknowledgements the whole shop sends per hour, however many clients and processes; past
    # it they wait for a later hour, and so do their onboardings. 0 turns the ceiling off.
    # A shop hears from tens of would-be partners a day: at 500 no real hour ever waits, while
    # a flood from many addresses gets the shop to write 500 an hour at most.
    onboarding_acknowledgements_per_hour: int = Field(default=500, ge=0)
    # Failed sign-ins one client address may make before each next attempt waits; five times
    # as many lock the address for a while. An office behind one address needs room.
    onboarding_sign_in_failures_per_address: int = Field(default=20, ge=1)
    # "Send me a link" requests per client address; 0 turns the limit off.
    onboarding_link_requests_per_minute: int = Field(default=5, ge=0)

    onboarding_reminder_after: timedelta = timedelta(days=3)
    onboarding_reminder_interval: timedelta = timedelta(days=3)
    onboarding_expire_after: timedelta = timedelta(days=30)
    onboarding_credit_limit_amount: Decimal = Field(default=Decimal("1000000"), ge=0)
    onboarding_credit_limit_currency: str = Field(default="JPY", pattern=r"^[A-Z]{3}$")
    onboarding_token_secret: str = DEV_TOKEN_SECRET
    # Accounts: link lifetimes, sessions, and the Argon2id cost of a password hash.
    onboarding_activation_ttl: timedelta = timedelta(days=7)
    onboarding_reset_ttl: timedelta = timedelta(hours=1)
    onboarding_invitation_reminder_after: timedelta = timedelta(days=3)
    onboarding_invitation_expire_after: timedelta = timedelta(days=7)
    onboarding_session_idle: timedelta = timedelta(minutes=30)
    onboarding_session_lifetime: timedelta = timedelta(hours=12)
    onboarding_argon2_time_cost: int = Field(default=3, ge=1, le=20)
    onboarding_argon2_memory_kib: int = Field(default=65536, ge=8, le=4 * 1024 * 1024)
    onboarding_argon2_parallelism: int = Field(default=4, ge=1, le=64)
    # Production unless told otherwise: a forgotten variable must not leave the dev secrets,
    # plain-HTTP cookies and the codec's trust in loopback switched on.
    onboarding_environment: str = "production"
    # Keys that decrypt workflow payloads ("id:base64,id:base64"), and the one that encrypts.
    onboarding_encryption_keys: str = DEV_ENCRYPTION_KEYS
    onboarding_encryption_key_id: str = "dev-1"

    @classmethod
    def from_environment(cls) -> Self:
        """The settings of a process that is starting. Invalid ones end it with one line that
        names each variable to set or fix, not a traceback."""
        try:
            return cls()
        except ValidationError as invalid:
            problems = [
                ".".join(map(str, e["loc"])).upper() + ": " + e["msg"] if e["loc"] else e["msg"]
                for e in invalid.errors()
            ]
            reasons = "; ".join(p.removeprefix("Value error, ") for p in problems)
            raise SystemExit(f"cannot start: {reasons}") from None

    def missing_secrets(self) -> dict[str, str]:
        """The secrets this process needs that are unset or protect nothing (a dev value, a
        placeholder, too short), each with why; none in dev, which runs on the dev ones."""
        if self.onboarding_environment == DEV:
            return {}
        token, keys = self.onboarding_token_secret, self.onboarding_encryption_keys
        # The key id's default names the dev key: outside dev it must be chosen, not inherited.
        chosen = "onboarding_encryption_key_id" in self.model_fields_set
        missing = {
            "ONBOARDING_TOKEN_SECRET": secret_weakness(token, DEV_TOKEN_SECRET),
            "ONBOARDING_ENCRYPTION_KEYS": keys_weakness(keys, DEV_ENCRYPTION_KEYS),
            "ONBOARDING_ENCRYPTION_KEY_ID": None if chosen else UNSET,
        }
        return {name: why for name, why in missing.items() if why}

    def _missing_dataverse_credentials(self) -> list[str]:
        if self.sales_backend != "dataverse":
            return []
        missing = [name.upper() for name in DATAVERSE_CREDENTIALS if not getattr(self, name)]
        if not (self.dataverse_tenant_id or self.dataverse_token_url):
            missing.append("DATAVERSE_TENANT_ID")
        return missing

    @model_validator(mode="after")
    def _sane(self) -> Settings:
        cloud = self.onboarding_codec_cloud_origin
        unbound = [n.upper() for n in CODEC_CLOUD_BINDING if cloud and not getattr(self, n)]
        defaulted = "onboarding_environment" not in self.model_fields_set
        secrets, dataverse = self.missing_secrets(), self._missing_dataverse_credentials()
        if refused := refusal(self.onboarding_environment, defaulted, secrets, dataverse, unbound):
            raise ValueError(refused)
        if self.onboarding_reminder_interval <= timedelta(0):
            raise ValueError("ONBOARDING_REMINDER_INTERVAL must be positive")
        if self.onboarding_expire_after <= timedelta(0):
            raise ValueError("ONBOARDING_EXPIRE_AFTER must be positive")
        for name in POSITIVE_DURATIONS:
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name.upper()} must be positive")
        try:
            keys = parse_keys(self.onboarding_encryption_keys)
        except ValueError as unreadable:
            raise ValueError(f"ONBOARDING_ENCRYPTION_KEYS: {unreadable}") from None
        if self.onboarding_encryption_key_id not in keys:
            raise ValueError("ONBOARDING_ENCRYPTION_KEY_ID must name one of the keys")
        return self

    def dataverse_config(self) -> DataverseConfig | None:
        if self.sales_backend != "dataverse":
            return None
        assert self.dataverse_url
        assert self.dataverse_client_id
        assert self.dataverse_client_secret
        token_url = self.dataverse_token_url or (
            f"https://login.microsoftonline.com/{self.dataverse_tenant_id}/oauth2/v2.0/token"
        )
        return DataverseConfig(
            url=self.dataverse_url.rstrip("/"),
            token_url=token_url,
            client_id=self.dataverse_client_id,
            client_secret=self.dataverse_client_secret.get_secret_value(),
        )

    def codec(self) -> EncryptionCodec:
        return EncryptionCodec(
            parse_keys(self.onboarding_encryption_keys), self.onboarding_encryption_key_id
        )

    def invitation_policy(self) -> InvitationPolicy:
        return InvitationPolicy(
            reminder_after=self.onboarding_invitation_reminder_after,
            expire_after=self.onboarding_invitation_expire_after,
        )

    def policy(self) -> OnboardingPolicy:
        return OnboardingPolicy(
            reminder_after=self.onboarding_reminder_after,
            reminder_interval=self.onboarding_reminder_interval,
            expire_after=self.onboarding_expire_after,
            credit_limit=CreditLimit(
                amount=self.onboarding_credit_limit_amount,
                currency=self.onboarding_credit_limit_currency,
            ),
            sales_inbox=self.onboarding_sales_inbox,
        )


class WebAppSettings(Settings):
    """The web app's settings: outside dev it needs the staff API's token as well, and the
    storefront's token and the webhook's secret, where set, must be real ones too."""

    def missing_secrets(self) -> dict[str, str]:
        missing = super().missing_secrets()
        if self.onboarding_environment != DEV:
            missing |= web_secret_weaknesses({name: getattr(self, name) for name in WEB_SECRETS})
        return missing
