"""Temporal is reached the way Temporal's own tools are told to: the TEMPORAL_* variables and
the config file's profiles; a combination that cannot work stops the process at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.service import TLSConfig

from plumbing.settings import Settings
from tests.test_fail_closed import exit_of, without_settings
from tests.tls_certs import Pki, make_pki

PROFILES = """
[profile.default]
address = "file-default:7233"

[profile.cloud]
address = "acme.a1b2c.tmprl.cloud:7233"
namespace = "acme.a1b2c"
api_key = "key-from-file"
"""


@pytest.fixture(autouse=True)
def no_temporal_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets: no TEMPORAL_* of this machine, and an empty config file."""
    for name in Settings.model_fields:
        if name.startswith("temporal_"):
            monkeypatch.delenv(name.upper(), raising=False)
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(empty))


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)


def dev(**values: object) -> Settings:
    return Settings.model_validate({"onboarding_environment": "dev", **values})


def refusal(**values: object) -> str:
    """The validation message of settings that must not start."""
    with pytest.raises(ValidationError) as invalid:
        dev(**values)
    [error] = invalid.value.errors()
    return str(error["msg"])


def test_nothing_set_is_the_local_dev_server() -> None:
    """No variable and no profile: localhost:7233, namespace default, no TLS."""
    config = dev().temporal_connect_config()
    assert (config["target_host"], config["namespace"]) == ("localhost:7233", "default")
    assert "tls" not in config
    assert "api_key" not in config


def test_an_api_key_turns_tls_on() -> None:
    """TEMPORAL_API_KEY alone connects with TLS and sends the key."""
    config = dev(
        temporal_address="acme.tmprl.cloud:7233", temporal_api_key="k"
    ).temporal_connect_config()
    assert (config["target_host"], config.get("api_key"), config.get("tls")) == (
        "acme.tmprl.cloud:7233",
        "k",
        True,
    )


def test_certificate_files_become_the_tls_config(pki: Pki) -> None:
    """Client certificate, key, server CA and server name are read into the TLS config."""
    config = dev(
        temporal_tls_client_cert_path=str(pki.client.cert),
        temporal_tls_client_key_path=str(pki.client.key),
        temporal_tls_server_ca_cert_path=str(pki.ca_cert),
        temporal_tls_server_name="temporal.test",
    ).temporal_connect_config()
    assert config.get("tls") == TLSConfig(
        server_root_ca_cert=pki.ca_cert.read_bytes(),
        domain="temporal.test",
        client_cert=pki.client.cert.read_bytes(),
        client_private_key=pki.client.key.read_bytes(),
    )


def test_certificate_data_works_like_a_path(pki: Pki) -> None:
    """TEMPORAL_TLS_CLIENT_CERT_DATA and _KEY_DATA carry the PEM itself."""
    cert, key = pki.client.cert.read_text(), pki.client.key.read_text()
    tls = dev(
        temporal_tls_client_cert_data=cert, temporal_tls_client_key_data=key
    ).temporal_connect_config()["tls"]
    assert isinstance(tls, TLSConfig)
    assert (tls.client_cert, tls.client_private_key) == (cert.encode(), key.encode())


def test_a_profile_of_the_config_file_is_used(tmp_path: Path) -> None:
    """TEMPORAL_PROFILE picks the file's profile, with its address, namespace and key."""
    path = tmp_path / "temporal.toml"
    path.write_text(PROFILES)
    settings = dev(temporal_config_file=str(path), temporal_profile="cloud")
    config = settings.temporal_connect_config()
    assert (config["target_host"], config["namespace"], config.get("api_key")) == (
        "acme.a1b2c.tmprl.cloud:7233",
        "acme.a1b2c",
        "key-from-file",
    )


def test_a_variable_overrides_the_config_file(tmp_path: Path) -> None:
    """TEMPORAL_NAMESPACE set wins over the profile's namespace."""
    path = tmp_path / "temporal.toml"
    path.write_text(PROFILES)
    settings = dev(temporal_config_file=str(path), temporal_profile="cloud", temporal_namespace="x")
    assert settings.temporal_profile_in_use().namespace == "x"


def test_a_certificate_without_its_key_is_refused(pki: Pki) -> None:
    """A client certificate alone names the key variables to set."""
    message = refusal(temporal_tls_client_cert_path=str(pki.client.cert))
    assert "a client certificate needs its key: set TEMPORAL_TLS_CLIENT_KEY_PATH" in message


def test_a_key_without_its_certificate_is_refused(pki: Pki) -> None:
    """A client key alone names the certificate variables to set."""
    message = refusal(temporal_tls_client_key_path=str(pki.client.key))
    assert "a client key needs its certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH" in message


def test_an_api_key_without_tls_is_refused() -> None:
    """TEMPORAL_API_KEY with TEMPORAL_TLS=false would send the key in the clear."""
    message = refusal(temporal_api_key="k", temporal_tls=False)
    assert "TEMPORAL_API_KEY needs TLS, but TEMPORAL_TLS is false" in message


def test_certificates_with_tls_off_are_refused(pki: Pki) -> None:
    """TEMPORAL_TLS=false with a server CA set is a contradiction, named as such."""
    message = refusal(temporal_tls=False, temporal_tls_server_ca_cert_path=str(pki.ca_cert))
    assert "TEMPORAL_TLS is false, yet TLS certificates or a server name are set" in message


def test_a_path_and_data_of_one_certificate_are_refused(pki: Pki) -> None:
    """_PATH and _DATA of the client certificate together are refused by name."""
    message = refusal(
        temporal_tls_client_cert_path=str(pki.client.cert),
        temporal_tls_client_cert_data=pki.client.cert.read_text(),
        temporal_tls_client_key_path=str(pki.client.key),
    )
    assert "TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_CERT_DATA" in message


def test_an_unknown_profile_is_refused() -> None:
    """A TEMPORAL_PROFILE the config file does not have is named."""
    assert "Profile 'nowhere' not found" in refusal(temporal_profile="nowhere")


def test_a_missing_certificate_file_is_refused(tmp_path: Path, pki: Pki) -> None:
    """A certificate path that does not exist is named at start, not at the first connect."""
    missing = tmp_path / "missing.crt"
    message = refusal(
        temporal_tls_client_cert_path=str(missing), temporal_tls_client_key_path=str(pki.client.key)
    )
    assert f"cannot read {missing}" in message


async def test_the_worker_refuses_a_bad_combination_in_one_line(pki: Pki) -> None:
    """`python -m workers` with a certificate and no key exits 1 with one line, no traceback."""
    env = {
        **without_settings(),
        "ONBOARDING_ENVIRONMENT": "dev",
        "TEMPORAL_TLS_CLIENT_CERT_PATH": str(pki.client.cert),
    }
    status, out, err = await exit_of("workers", env=env)
    assert (status, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(
        "cannot start: Temporal configuration: a client certificate needs its key"
    )
