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
    "activities": {"domain", "accounts", "storage", "commerce", "sales"},
    "workflows": {"domain", "activities"},
    "plumbing": {"domain", "accounts", "storage", "commerce", "sales", "workflows"},
    "workers": {
        "domain",
        "accounts",
        "storage",
        "commerce",
        "sales",
        "activities",
        "workflows",
        "plumbing",
    },
    "starter": {"domain", "accounts", "storage", "commerce", "sales", "workflows", "plumbing"},
    "devstack": set(),
}
STORES = {"commerce", "sales"}
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S
)
LONG_MODULE = 250
LONG_ALLOWED = {"workflows/onboarding.py"}


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
    """No module over 250 lines, but the onboarding workflow."""
    long = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for package in MAY_IMPORT
        for path in modules(package)
    }
    over = {p: n for p, n in long.items() if n > LONG_MODULE and p not in LONG_ALLOWED}
    assert over == {}
