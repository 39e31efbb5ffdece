"""The layout's rules (README, "How it is built"), checked on the source itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Which of the project's top-level packages each package may import. Arrows point down:
# a store knows nothing of Temporal's layers, activities nothing of the workflow.
MAY_IMPORT: dict[str, set[str]] = {
    "domain": set(),
    # Password rules, hashing and tokens: pure, so the web app and the activities share them.
    "accounts": set(),
    "storage": set(),
    "commerce": {"domain", "storage"},
    "sales": {"domain", "storage"},
    # Adapters of the national business registries and VIES: HTTP and matching, no store.
    "registries": {"domain"},
    "activities": {"domain", "accounts", "storage", "commerce", "sales", "registries"},
    "workflows": {"domain", "activities"},
    # Settings give the registries' adapters their settings.
    "plumbing": {"domain", "accounts", "storage", "commerce", "sales", "registries", "workflows"},
    "workers": {
        "domain",
        "accounts",
        "storage",
        "commerce",
        "sales",
        "registries",
        "activities",
        "workflows",
        "plumbing",
    },
    "starter": {"domain", "accounts", "storage", "commerce", "sales", "workflows", "plumbing"},
    "devstack": set(),
}
STORES = {"commerce", "sales"}
TEMPORAL_LAYERS = {"temporalio", "workflows"}
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S
)
LONG_MODULE = 250
# The web app's audiences: their handlers parse, call a service and render.
AUDIENCES = ("api", "site", "staff", "integrations")
# What a handler must not reach through the services: the stores and the Temporal client.
STORE_DOORS = {"commerce", "sales", "client", "stores"}
# Longer modules, each with its own ceiling: the onboarding workflow reads best in one piece.
LONG_ALLOWED = {"workflows/onboarding.py": 460}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(MAY_IMPORT) | (found & {"temporalio"})


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_package_imports_only_the_layers_below_it(package: str) -> None:
    """No upward arrow: each package imports only the packages its row allows."""
    allowed = MAY_IMPORT[package] | {package}
    if package in STORES | {"domain", "accounts", "storage"}:
        allowed_temporal: set[str] = set()
    else:
        allowed_temporal = {"temporalio"}
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) - allowed - allowed_temporal)
        for path in modules(package)
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_sql_lives_only_in_the_stores() -> None:
    """Statements appear in string literals of commerce/, sales/ and storage/ only."""
    found = []
    for package in set(MAY_IMPORT) - STORES - {"storage", "devstack"}:
        for path in modules(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                    continue
                if SQL.search(node.value):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_the_web_app_keeps_few_files_at_its_top() -> None:
    """starter/ holds its composition root; audiences live in their own folders."""
    assert len(list((ROOT / "starter").glob("*.py"))) <= 6


def test_modules_are_short_enough_to_read_in_one_sitting() -> None:
    """No module over 250 lines, but the onboarding workflow, which stays within 450."""
    long = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for package in MAY_IMPORT
        for path in modules(package)
    }
    over = {p: n for p, n in long.items() if n > LONG_ALLOWED.get(p, LONG_MODULE)}
    assert over == {}


def imported_modules(path: Path) -> set[str]:
    """The dotted names of the modules a file imports, relative imports resolved."""
    package = list(path.relative_to(ROOT).parent.parts)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return found


def handler_modules() -> list[Path]:
    return [path for audience in AUDIENCES for path in modules(f"starter/{audience}")]


def test_handlers_leave_temporal_to_the_services() -> None:
    """No module of an audience folder imports temporalio or the workflows."""
    wrong = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] in TEMPORAL_LAYERS
        )
        for path in handler_modules()
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_handlers_reach_no_store_through_the_services() -> None:
    """No handler calls `services.commerce`, `.sales`, `.client` or `.stores`: services do."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: services.{node.attr}"
        for path in handler_modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "services"
        and node.attr in STORE_DOORS
    ]
    assert found == []


def test_audiences_import_nothing_of_each_other() -> None:
    """An audience folder imports no other audience's modules (the site nothing of the API)."""
    wrong = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_modules(path)
            for other in set(AUDIENCES) - {audience}
            if name == f"starter.{other}" or name.startswith(f"starter.{other}.")
        )
        for audience in AUDIENCES
        for path in modules(f"starter/{audience}")
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_common_and_services_import_each_other_one_way_at_most() -> None:
    """starter/common and starter/services form no import cycle."""

    def importers(of: str, among: str) -> list[str]:
        return [
            str(path.relative_to(ROOT))
            for path in modules(f"starter/{among}")
            if any(
                name == f"starter.{of}" or name.startswith(f"starter.{of}.")
                for name in imported_modules(path)
            )
        ]

    common_on_services = importers("services", among="common")
    services_on_common = importers("common", among="services")
    assert not (common_on_services and services_on_common), (
        common_on_services,
        services_on_common,
    )
