"""What a process checks before it starts outside dev: each secret it needs set and able to
protect something (not a dev value, not one of the example file's placeholders, not short
enough to guess; encryption keys neither all zeros nor the dev key under another id), and
the refusal that names every variable to set or fix."""

from __future__ import annotations

from collections.abc import Mapping

from plumbing.codec import parse_keys

# What every placeholder of .env.example says.
PLACEHOLDER = "replace-with"
# secrets.token_urlsafe(32), as .env.example says to make them, gives 43 characters.
MIN_SECRET_LENGTH = 32
UNSET = "unset"
# Without both, a token Temporal Cloud signed for any other service would open the codec.
CODEC_CLOUD_BINDING = ("onboarding_codec_cloud_issuer", "onboarding_codec_cloud_audience")
# The web app's: the staff token is required; the others, unset, refuse each of their calls.
WEB_SECRETS = ("onboarding_staff_token", "onboarding_storefront_token", "onboarding_webhook_secret")
REQUIRED_WEB_SECRETS = frozenset({"onboarding_staff_token"})


def secret_weakness(value: str | None, dev_value: str | None = None) -> str | None:
    """Why this secret protects nothing, or None when it may be used."""
    if not value:
        return UNSET
    if value == dev_value:
        return "the dev value"
    if PLACEHOLDER in value:
        return "a placeholder"
    if len(value) < MIN_SECRET_LENGTH:
        return f"shorter than {MIN_SECRET_LENGTH} characters"
    return None


def keys_weakness(spec: str, dev_spec: str) -> str | None:
    """Why these encryption keys protect nothing, or None; keys that do not parse are left to
    the settings' own check, which says what is wrong with them."""
    if spec == dev_spec:
        return "the dev value"
    try:
        keys = parse_keys(spec)
    except ValueError:
        return None
    dev_keys = set(parse_keys(dev_spec).values())
    for key_id, key in keys.items():
        if not any(key):
            return f"a placeholder (key {key_id} is all zeros)"
        if key in dev_keys:
            return f"the dev key (as {key_id})"
    return None


def web_secret_weaknesses(values: Mapping[str, str | None]) -> dict[str, str]:
    """The web app's secrets, by field name, that are missing (required and unset) or set to
    something that protects nothing, each with why."""
    weak = {}
    for name, value in values.items():
        why = secret_weakness(value)
        if why and (why != UNSET or name in REQUIRED_WEB_SECRETS):
            weak[name.upper()] = why
    return weak


def refusal(
    environment: str,
    defaulted: bool,
    secrets: Mapping[str, str],
    credentials: list[str],
    unbound: list[str],
) -> str | None:
    """The one line that names every variable to set or fix, and why; None when all is set."""
    reasons = []
    if secrets:
        default = ", the default" if defaulted else ""
        reasons.append(
            f"ONBOARDING_ENVIRONMENT is {environment}{default}, which needs every secret; only"
            " the dev environment runs on the dev ones"
        )
        reasons += [f"{name} is {why}" for name, why in secrets.items() if why != UNSET]
    if credentials:
        reasons.append("SALES_BACKEND=dataverse needs its credentials")
    if unbound:
        reasons.append("ONBOARDING_CODEC_CLOUD_ORIGIN needs the issuer and audience to check")
    if not reasons:
        return None
    return f"set {', '.join([*secrets, *credentials, *unbound])} ({'; '.join(reasons)})"
