"""How to reach Temporal: the SDK's environment configuration, the same variables and
config file the `temporal` CLI reads, so an operator sets them once for both.

The dev server, a self-hosted cluster with mutual TLS, or Temporal Cloud (API key or
certificates): each is a combination of these variables or a profile of the config file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings
from temporalio.envconfig import ClientConfigProfile, ClientConfigTLS, ClientConnectConfig

# Fields whose variable the SDK reads under the same name.
ENVCONFIG_FIELDS = (
    "temporal_address",
    "temporal_namespace",
    "temporal_api_key",
    "temporal_tls",
    "temporal_tls_client_cert_path",
    "temporal_tls_client_cert_data",
    "temporal_tls_client_key_path",
    "temporal_tls_client_key_data",
    "temporal_tls_server_ca_cert_path",
    "temporal_tls_server_ca_cert_data",
    "temporal_tls_server_name",
    "temporal_profile",
    "temporal_config_file",
)
CLIENT_CERT = "TEMPORAL_TLS_CLIENT_CERT_PATH or _DATA"
CLIENT_KEY = "TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA"


def _variable(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _tls_problems(tls: ClientConfigTLS | None, api_key: str | None) -> list[str]:
    """Combinations that cannot connect, or would send a credential in the clear."""
    if tls is None:
        return []
    problems = []
    if tls.client_cert is not None and tls.client_private_key is None:
        problems.append(f"a client certificate needs its key: set {CLIENT_KEY}")
    if tls.client_private_key is not None and tls.client_cert is None:
        problems.append(f"a client key needs its certificate: set {CLIENT_CERT}")
    if tls.disabled:
        if api_key is not None:
            problems.append("TEMPORAL_API_KEY needs TLS, but TEMPORAL_TLS is false")
        material = (tls.client_cert, tls.client_private_key, tls.server_root_ca_cert)
        if any(source is not None for source in material) or tls.server_name:
            problems.append("TEMPORAL_TLS is false, yet TLS certificates or a server name are set")
    return problems


class TemporalSettings(BaseSettings):
    """The `TEMPORAL_*` variables; unset ones leave the config file's profile as it is."""

    # Used when neither a variable nor the config file names them.
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    # Temporal Cloud's API key; turns TLS on unless TEMPORAL_TLS says otherwise.
    temporal_api_key: SecretStr | None = None
    temporal_tls: bool | None = None
    temporal_tls_client_cert_path: str | None = None
    temporal_tls_client_cert_data: str | None = None
    temporal_tls_client_key_path: str | None = None
    temporal_tls_client_key_data: SecretStr | None = None
    temporal_tls_server_ca_cert_path: str | None = None
    temporal_tls_server_ca_cert_data: str | None = None
    temporal_tls_server_name: str | None = None
    # The config file's profile, and the file itself (otherwise the SDK's default place).
    temporal_profile: str | None = None
    temporal_config_file: str | None = None

    def _envconfig_variables(self) -> Mapping[str, str]:
        """The variables as the SDK reads them: only those set, so a default of ours never
        hides the config file's value."""
        return {
            name.upper(): _variable(getattr(self, name))
            for name in ENVCONFIG_FIELDS
            if name in self.model_fields_set and getattr(self, name) is not None
        }

    def temporal_profile_in_use(self) -> ClientConfigProfile:
        """The profile to connect with: config file, then variables, then our defaults."""
        variables = self._envconfig_variables()
        profile = ClientConfigProfile.load(
            variables.get("TEMPORAL_PROFILE"), override_env_vars=variables
        )
        return ClientConfigProfile(
            address=profile.address or self.temporal_address,
            namespace=profile.namespace or self.temporal_namespace,
            api_key=profile.api_key,
            tls=profile.tls,
            grpc_meta=profile.grpc_meta,
        )

    def temporal_connect_config(self) -> ClientConnectConfig:
        """`Client.connect`'s arguments; reads the certificate files named."""
        return self.temporal_profile_in_use().to_client_connect_config()

    @model_validator(mode="after")
    def _temporal_connectable(self) -> Self:
        try:
            profile = self.temporal_profile_in_use()
        # The SDK raises its native ConfigError, which it does not export: a missing profile,
        # an unreadable config file, a path and data both set.
        except Exception as refused:
            raise ValueError(f"Temporal configuration: {refused}") from None
        problems = _tls_problems(profile.tls, profile.api_key)
        if problems:
            raise ValueError("Temporal configuration: " + "; ".join(problems))
        try:
            profile.to_client_connect_config()
        except OSError as unreadable:
            raise ValueError(f"Temporal configuration: cannot read {unreadable.filename}") from None
        return self
