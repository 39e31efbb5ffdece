"""docker-compose.yml cannot run here; read it and check it agrees with the code."""

from __future__ import annotations

import fnmatch
import ipaddress
import re
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from devstack.binaries import executable
from devstack.temporal import SEARCH_ATTRIBUTES
from plumbing import tracing
from plumbing.settings import Settings
from starter.common.security_headers import STRICT_TRANSPORT

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("worker", "web")
# Compose's interpolation: $$ is a literal $; ${NAME}, ${NAME:?err}, ${NAME:-default}, ...
VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>\w+)(?P<rest>[^}]*)\}|(?P<bare>\w+))")
SECRETS = (
    "ONBOARDING_STAFF_TOKEN", "ONBOARDING_TOKEN_SECRET", "ONBOARDING_ENCRYPTION_KEYS",
    "ONBOARDING_ENCRYPTION_KEY_ID", "ONBOARDING_STOREFRONT_TOKEN", "ONBOARDING_WEBHOOK_SECRET",
    "POSTGRES_PASSWORD",
)  # fmt: skip
# Set only with SALES_BACKEND=dataverse: passed through as given, empty meaning unset.
OPTIONAL = {
    "DATAVERSE_URL",
    "DATAVERSE_TENANT_ID",
    "DATAVERSE_CLIENT_ID",
    "DATAVERSE_CLIENT_SECRET",
    # Temporal Cloud or a cluster with mutual TLS only.
    "TEMPORAL_API_KEY",
    "TEMPORAL_TLS_CLIENT_CERT_DATA",
    "TEMPORAL_TLS_CLIENT_KEY_DATA",
    "TEMPORAL_TLS_SERVER_CA_CERT_DATA",
    "TEMPORAL_TLS_SERVER_NAME",
    "ONBOARDING_CODEC_CLOUD_ORIGIN",
    # Needed with the origin alone (the web app refuses to start without them).
    "ONBOARDING_CODEC_CLOUD_ISSUER",
    "ONBOARDING_CODEC_CLOUD_AUDIENCE",
    "ONBOARDING_CODEC_CLOUD_JWKS_URL",
}
# Read by docker compose itself from .env, not interpolated: which profiles start.
COMPOSE_OWN = {"COMPOSE_PROFILES"}


def interpolate(text: str, values: dict[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        rest = match["rest"] or ""
        if name in values and (values[name] or not rest.startswith(":")):
            return values[name]
        if rest.startswith((":?", "?")):
            raise KeyError(f"{name} is required")
        if rest.startswith((":-", "-")):
            return rest.split("-", 1)[1]
        return ""

    return VARIABLE.sub(substitute, text)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """The compose file as written, ${...} untouched."""
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


@pytest.fixture(scope="module")
def example() -> dict[str, str]:
    return read_env_file(ROOT / ".env.example")


@pytest.fixture(scope="module")
def compose(example: dict[str, str]) -> dict[str, Any]:
    """The compose file as `docker compose` sees it with .env.example as its .env."""
    text = interpolate((ROOT / "docker-compose.yml").read_text(), example)
    document: dict[str, Any] = yaml.safe_load(text)
    return document


@pytest.fixture(scope="module")
def caddyfile() -> str:
    return (ROOT / "deploy" / "Caddyfile").read_text()


def env(compose: dict[str, Any], service: str) -> dict[str, str]:
    return {k: str(v) for k, v in compose["services"][service]["environment"].items()}


def command(compose: dict[str, Any], service: str) -> str:
    return " ".join(compose["services"][service]["command"])


def image_tag(compose: dict[str, Any], service: str) -> tuple[str, str]:
    name, _, tag = compose["services"][service]["image"].rpartition(":")
    return name, tag


def one_shots(compose: dict[str, Any]) -> set[str]:
    """Services another waits on to finish, not to be healthy."""
    return {
        dependency
        for service in compose["services"].values()
        for dependency, wait in service.get("depends_on", {}).items()
        if isinstance(wait, dict) and wait.get("condition") == "service_completed_successfully"
    }


def caddy_block(caddyfile: str, opener: str) -> str:
    """The text between the braces of the block that `opener` starts."""
    start = caddyfile.index(opener + " {") + len(opener) + 2
    depth, end = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(caddyfile[end], 0)
        end += 1
    return caddyfile[start : end - 1]


def test_stack_has_every_service(compose: dict[str, Any]) -> None:
    """The proxy, Temporal with its setup and UI, PostgreSQL, a mail sink, worker and web app,
    and the OpenTelemetry Collector with Jaeger."""
    assert set(compose["services"]) >= {
        "proxy", "postgresql", "temporal-schema", "temporal", "temporal-namespace",
        "temporal-search-attributes", "temporal-ui", "mailpit", "worker", "web",
        "otel-collector", "jaeger",
    }  # fmt: skip


def test_every_image_is_pinned(compose: dict[str, Any]) -> None:
    """Each image names a tag of at least major.minor, never `latest`."""
    for name, service in compose["services"].items():
        if "image" in service:
            _, tag = image_tag(compose, name)
            assert tag != "latest", name
            assert "." in tag, (name, service["image"])


def test_temporal_server_and_admin_tools_share_a_tag(compose: dict[str, Any]) -> None:
    """The schema tool and CLI come from the same release as the server they set up."""
    server_tag = image_tag(compose, "temporal")[1]
    for name, service in compose["services"].items():
        if service.get("image", "").startswith("temporalio/admin-tools:"):
            assert image_tag(compose, name)[1] == server_tag, name


def test_temporal_server_is_the_dev_servers_minor(compose: dict[str, Any]) -> None:
    """Production runs the Temporal Server minor version the dev runs and tests use."""
    version = subprocess.run(
        [executable("temporal"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    dev = re.search(r"Server (\d+)\.(\d+)\.\d+", version)
    assert dev, version
    name, tag = image_tag(compose, "temporal")
    assert name == "temporalio/server"
    assert tag.split(".")[:2] == [dev[1], dev[2]]


def test_no_auto_setup_image(compose: dict[str, Any]) -> None:
    """No service runs Temporal's auto-setup image, which is not for production."""
    for name, service in compose["services"].items():
        assert "auto-setup" not in service.get("image", ""), name


def test_long_running_services_have_health_checks(compose: dict[str, Any]) -> None:
    """Every service that is not a one-shot says when it is healthy."""
    for name, service in compose["services"].items():
        if name not in one_shots(compose):
            assert "healthcheck" in service, name


def test_every_dependency_waits_on_a_condition(compose: dict[str, Any]) -> None:
    """A service waits for a one-shot to succeed, or for a server to be healthy."""
    finished = one_shots(compose)
    for name, service in compose["services"].items():
        for dependency, wait in service.get("depends_on", {}).items():
            expected = (
                "service_completed_successfully" if dependency in finished else "service_healthy"
            )
            assert isinstance(wait, dict), (name, dependency)
            assert wait.get("condition") == expected, (name, dependency)


def test_one_shots_do_not_restart(compose: dict[str, Any]) -> None:
    """A setup step that others wait on runs once per `up`, never in a loop."""
    assert one_shots(compose) >= {"temporal-schema", "temporal-namespace"}
    for name in one_shots(compose):
        assert compose["services"][name].get("restart") == "no", name


def test_temporal_schema_is_migrated_before_the_server_starts(compose: dict[str, Any]) -> None:
    """Both of the server's databases are created and migrated by the one-shot it waits on."""
    server = env(compose, "temporal")
    wait = compose["services"]["temporal"]["depends_on"]["temporal-schema"]
    assert wait["condition"] == "service_completed_successfully"
    script = command(compose, "temporal-schema")
    schemas = "/etc/temporal/schema/postgresql/v12"
    for database, directory in ((server["DBNAME"], "temporal"),
                                (server["VISIBILITY_DBNAME"], "visibility")):  # fmt: skip
        assert f"--database {database} create-database" in script
        assert f"--database {database} setup-schema -v 0.0" in script
        assert f"--database {database} update-schema -d {schemas}/{directory}/versioned" in script
    assert server["DB"] == env(compose, "temporal-schema")["SQL_PLUGIN"] == "postgres12"


def test_temporal_dynamic_config_is_mounted_where_the_server_reads_it(
    compose: dict[str, Any],
) -> None:
    """The file DYNAMIC_CONFIG_FILE_PATH names (from /etc/temporal) is a file of this repo."""
    path = PurePosixPath("/etc/temporal") / env(compose, "temporal")["DYNAMIC_CONFIG_FILE_PATH"]
    mounts = {}
    for volume in compose["services"]["temporal"]["volumes"]:
        source, target, *_ = volume.split(":")
        mounts[target] = source
    source = mounts[str(path)]
    assert (ROOT / source).is_file()
    assert yaml.safe_load((ROOT / source).read_text())


def test_default_namespace_is_created(compose: dict[str, Any]) -> None:
    """The namespace the apps use is created once, an existing one being accepted."""
    script = command(compose, "temporal-namespace")
    namespace = env(compose, "web")["TEMPORAL_NAMESPACE"]
    assert env(compose, "worker")["TEMPORAL_NAMESPACE"] == namespace
    assert re.search(
        rf"namespace create --namespace {namespace}\s*\\?\s*\|\| temporal operator namespace"
        rf" describe --namespace {namespace}",
        script,
    )
    assert env(compose, "temporal-namespace")["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_search_attributes_are_the_dev_servers(compose: dict[str, Any]) -> None:
    """The one-shot registers exactly the search attributes the dev server gets."""
    script = command(compose, "temporal-search-attributes")
    registered = dict(re.findall(r"--name\s+(\w+)\s+(?:\\\s+)?--type\s+(\w+)", script))
    assert registered == SEARCH_ATTRIBUTES
    assert "search-attribute create --namespace default" in script
    wait = compose["services"]["temporal-search-attributes"]["depends_on"]
    assert wait == {"temporal-namespace": {"condition": "service_completed_successfully"}}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_apps_start_after_the_search_attributes(compose: dict[str, Any], service: str) -> None:
    """Worker and web app start only once the search attributes exist, when the bundled
    server runs (without it, Temporal Cloud or your cluster has them)."""
    wait = compose["services"][service]["depends_on"]["temporal-search-attributes"]
    assert wait == {"condition": "service_completed_successfully", "required": False}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_variables_are_settings(compose: dict[str, Any], service: str) -> None:
    """Each variable given to the app is one the settings or OpenTelemetry's SDK read (no typos
    go unnoticed)."""
    known = {name.upper() for name in Settings.model_fields} | set(tracing.ENDPOINT_VARIABLES)
    assert set(env(compose, service)) <= known


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_addresses_name_compose_services(compose: dict[str, Any], service: str) -> None:
    """Temporal, both stores and SMTP are reached by the names and ports compose gives them."""
    variables = env(compose, service)
    assert variables["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert env(compose, "temporal")["BIND_ON_IP"] == "0.0.0.0"
    database = env(compose, "postgresql")
    for url in (variables["COMMERCE_DATABASE_URL"], variables["SALES_DATABASE_URL"]):
        parts = urlsplit(url)
        assert (parts.hostname, parts.port) == ("postgresql", 5432)
        assert (parts.username, parts.password) == (
            database["POSTGRES_USER"], database["POSTGRES_PASSWORD"],
        )  # fmt: skip
    databases = {urlsplit(variables[k]).path.lstrip("/") for k in
                 ("COMMERCE_DATABASE_URL", "SALES_DATABASE_URL")}  # fmt: skip
    init = (ROOT / "deploy" / "postgres-init.sql").read_text()
    assert all(f"CREATE DATABASE {db};" in init for db in databases)
    assert (variables["SMTP_HOST"], variables["SMTP_PORT"]) == ("mailpit", "1025")


def test_secrets_are_required_env_variables(raw: dict[str, Any]) -> None:
    """Every secret is interpolated from .env with no default, wherever it is used."""
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in SECRETS:
        uses = [m for m in VARIABLE.finditer(text) if secret in (m["braced"], m["bare"])]
        assert uses, secret
        assert all(m["braced"] and m["rest"].startswith(":?") for m in uses), secret
    assert env(raw, "web")["ONBOARDING_STAFF_TOKEN"].startswith("${ONBOARDING_STAFF_TOKEN:?")


def test_no_interpolated_variable_has_a_default() -> None:
    """Every variable the compose file reads must be set: none falls back to a default; the
    optional Dynamics 365 ones are passed through as they are."""
    text = (ROOT / "docker-compose.yml").read_text()
    for match in VARIABLE.finditer(text):
        if not match["escaped"]:
            assert match["braced"], match[0]
            if match["braced"] in OPTIONAL:
                assert match["rest"] == "", match[0]
            else:
                assert match["rest"].startswith(":?"), match[0]


def test_env_example_lists_every_interpolated_variable(example: dict[str, str]) -> None:
    """Each ${VAR} of the compose file has a placeholder in .env.example."""
    text = (ROOT / "docker-compose.yml").read_text()
    used = {m["braced"] or m["bare"] for m in VARIABLE.finditer(text) if not m["escaped"]}
    assert used <= set(example), used - set(example)
    assert all(example[name] for name in used - OPTIONAL)


def test_env_example_lists_nothing_else(example: dict[str, str]) -> None:
    """.env.example names no variable the compose file does not read."""
    text = (ROOT / "docker-compose.yml").read_text()
    used = {m["braced"] or m["bare"] for m in VARIABLE.finditer(text) if not m["escaped"]}
    assert set(example) - COMPOSE_OWN <= used, set(example) - COMPOSE_OWN - used


def test_env_is_ignored_but_its_example_is_not() -> None:
    """git ignores the .env that holds the secrets, never the committed example."""
    patterns = [
        line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]  # fmt: skip
    assert any(fnmatch.fnmatch(".env", p.lstrip("/")) for p in patterns if not p.startswith("!"))
    assert not any(fnmatch.fnmatch(".env.example", p.lstrip("/")) for p in patterns)


def test_ui_codec_is_the_web_apps_on_the_same_origin(compose: dict[str, Any]) -> None:
    """The UI calls the web app's /codec on the origin of the public URL, with credentials."""
    ui = env(compose, "temporal-ui")
    public = urlsplit(env(compose, "web")["ONBOARDING_STORE_URL"])
    codec = urlsplit(ui["TEMPORAL_CODEC_ENDPOINT"])
    assert (codec.scheme, codec.netloc, codec.path) == (public.scheme, public.netloc, "/codec")
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"


def test_ui_is_served_under_the_public_temporal_path(
    compose: dict[str, Any], caddyfile: str
) -> None:
    """The UI's public path is where the staff pages link and where the proxy sends it."""
    ui = env(compose, "temporal-ui")
    link = urlsplit(env(compose, "web")["ONBOARDING_TEMPORAL_UI_URL"])
    public = urlsplit(env(compose, "web")["ONBOARDING_STORE_URL"])
    assert (link.scheme, link.netloc) == ("https", public.netloc)
    assert link.path == ui["TEMPORAL_UI_PUBLIC_PATH"] == "/temporal"
    block = caddy_block(caddyfile, f"handle {link.path}/*")
    assert f"reverse_proxy temporal-ui:{ui.get('TEMPORAL_UI_PORT', '8080')}" in block


def test_proxy_lets_only_staff_into_the_ui(caddyfile: str) -> None:
    """Requests for the UI pass the web app's staff check before they reach it."""
    block = caddy_block(caddyfile, "handle /temporal/*")
    auth = caddy_block(block, "forward_auth web:8000")
    assert re.search(r"^\s*uri /staff/operator-check$", auth, re.MULTILINE)
    assert block.index("forward_auth") < block.index("reverse_proxy")


def test_proxy_serves_the_public_host(compose: dict[str, Any], caddyfile: str) -> None:
    """Caddy's site, and so its certificate, is the host the public URL names."""
    site = re.search(r"^\{\$(\w+)\} \{$", caddyfile, re.MULTILINE)
    assert site, "no site address"
    host = env(compose, "proxy")[site[1]]
    assert host == urlsplit(env(compose, "web")["ONBOARDING_STORE_URL"]).hostname
    upstreams = caddy_block(caddy_block(caddyfile, "handle"), "dynamic a")
    assert upstreams.split() == ["name", "web", "port", "8000", "refresh", "5s"]


def test_proxy_sends_the_web_apps_hsts_on_every_answer(caddyfile: str) -> None:
    """Caddy sends the web app's Strict-Transport-Security for the whole site (the Temporal
    UI's answers too): a directive of the site block itself, not of one of its routes."""
    site = caddy_block(caddyfile, "{$ONBOARDING_PUBLIC_HOST}")
    sent = re.findall(r'^(\s*)header Strict-Transport-Security "([^"]*)"$', site, re.MULTILINE)
    assert sent == [("\t", STRICT_TRANSPORT)]


def test_proxy_is_the_only_forwarded_allow_ip(compose: dict[str, Any]) -> None:
    """The web app trusts X-Forwarded-For from the proxy's fixed address and no other."""
    edge = compose["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    proxy = compose["services"]["proxy"]["networks"]
    assert list(proxy) == ["edge"]
    address = proxy["edge"]["ipv4_address"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(edge)
    assert env(compose, "web")["ONBOARDING_FORWARDED_ALLOW_IPS"] == address
    assert "edge" in compose["services"]["web"]["networks"]


def test_web_publishes_no_port(compose: dict[str, Any]) -> None:
    """The web app is reached through the proxy alone, on the port the proxy dials."""
    web = compose["services"]["web"]
    variables = env(compose, "web")
    assert "ports" not in web
    assert (variables["ONBOARDING_HTTP_HOST"], variables["ONBOARDING_HTTP_PORT"]) == (
        "0.0.0.0", "8000",
    )  # fmt: skip
    assert "127.0.0.1:8000/healthz" in " ".join(web["healthcheck"]["test"])


def test_only_the_proxy_publishes_ports_beyond_the_host(compose: dict[str, Any]) -> None:
    """Every other published port is bound to the host's loopback."""
    assert compose["services"]["proxy"]["ports"] == ["80:80", "443:443", "443:443/udp"]
    for name, service in compose["services"].items():
        if name != "proxy":
            for port in service.get("ports", []):
                assert str(port).startswith("127.0.0.1:"), (name, port)


def test_metrics_are_not_served_publicly(caddyfile: str) -> None:
    """The proxy answers 404 for /metrics instead of passing it to the web app."""
    block = caddy_block(caddyfile, "handle /metrics*")
    assert block.split() == ["respond", "404"]


def test_worker_serves_metrics_on_its_port(compose: dict[str, Any]) -> None:
    """The worker's Prometheus port is the one its health check reads."""
    port = env(compose, "worker")["ONBOARDING_METRICS_PORT"]
    assert int(port) > 0
    test = " ".join(compose["services"]["worker"]["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/metrics" in test


@pytest.mark.parametrize("service", APP_SERVICES)
def test_email_links_are_https(compose: dict[str, Any], service: str) -> None:
    """Links in emails start with https://HOST, the proxy's public name."""
    url = urlsplit(env(compose, service)["ONBOARDING_STORE_URL"])
    assert url.scheme == "https"
    assert url.hostname == env(compose, "proxy")["ONBOARDING_PUBLIC_HOST"]
    assert env(compose, service)["ONBOARDING_ENVIRONMENT"] != "dev"


def test_mounted_files_are_in_the_repository(compose: dict[str, Any]) -> None:
    """Every file a service mounts from beside the compose file exists."""
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), (name, source)


def test_images_build_from_the_project(compose: dict[str, Any]) -> None:
    """The worker and web app are built from the Dockerfile and run the project's modules."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("workflows", "activities", "workers", "starter"):
        assert f"COPY {package} {package}" in dockerfile
    assert compose["services"]["worker"]["command"][-1] == "workers"
    assert compose["services"]["web"]["command"][-1] == "starter"
