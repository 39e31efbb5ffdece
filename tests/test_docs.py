"""The documentation agrees with the code: the configuration tables with `Settings`, and every
link between the README and docs/ with a file and a heading that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from plumbing.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATION = ROOT / "docs" / "configuration.md"
README_LINES = 150
# A row's first cell: exactly one variable, so each has its own default and meaning.
VARIABLE_CELL = re.compile(r"`([A-Z][A-Z0-9_]*)`")
# Default cells that show no value: "unset" for a default of None, "dev only" for a
# placeholder that Settings refuses outside the dev environment.
UNSET, DEV_ONLY = "unset", "dev only"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def documents() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]


def table_rows(text: str) -> list[list[str]]:
    """The body rows of every table whose first column is headed "variable"."""
    rows: list[list[str]] = []
    in_variables = False
    for line in text.splitlines():
        if not line.startswith("|"):
            in_variables = False
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "variable":
            in_variables = True
        elif in_variables and not set(cells[0]) <= set("-: "):
            rows.append(cells)
    return rows


def documented() -> dict[str, str]:
    """Each variable the configuration tables name, with its default cell."""
    found: dict[str, str] = {}
    for cells in table_rows(CONFIGURATION.read_text(encoding="utf-8")):
        match = VARIABLE_CELL.fullmatch(cells[0])
        assert match, f"one variable per row: {cells[0]}"
        assert match[1] not in found, f"{match[1]} has two rows"
        found[match[1]] = cells[1]
    return found


def settings_defaults() -> dict[str, str | None]:
    """Each Settings variable with its default as the environment would spell it."""
    defaults: dict[str, str | None] = {}
    for name, field in Settings.model_fields.items():
        value, annotation = field.default, field.annotation
        if value is not None:
            assert annotation is not None, name
            value = str(TypeAdapter(annotation).dump_python(value, mode="json"))
        defaults[name.upper()] = value
    return defaults


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def relative_links(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return [
        target
        for target in LINK.findall(text)
        if not re.match(r"^[a-z]+:", target) and not target.startswith("<")
    ]


def test_configuration_lists_every_setting() -> None:
    """Each variable Settings reads has a row in docs/configuration.md."""
    missing = set(settings_defaults()) - set(documented())
    assert not missing, f"not in docs/configuration.md: {sorted(missing)}"


def test_configuration_lists_only_settings() -> None:
    """docs/configuration.md names no variable that Settings does not read."""
    unknown = set(documented()) - set(settings_defaults())
    assert not unknown, f"not read by Settings: {sorted(unknown)}"


def test_configuration_defaults_are_the_settings_defaults() -> None:
    """A default shown in backticks is Settings' own; "unset" stands for None alone."""
    defaults = settings_defaults()
    for name, cell in documented().items():
        if name not in defaults:
            continue
        if cell == UNSET:
            assert defaults[name] is None, name
        elif cell == DEV_ONLY:
            assert defaults[name] is not None, name
        else:
            assert cell == f"`{defaults[name]}`", (name, cell, defaults[name])


def test_readme_fits_a_screen() -> None:
    """The README stays short; the rest belongs in docs/."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_LINES


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_lead_to_a_file_and_heading(path: Path) -> None:
    """Every relative link of the README, the changelog and docs/ resolves, anchor included."""
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        assert linked.exists(), (path.name, target)
        if anchor:
            assert anchor in anchors(linked), (path.name, target)
