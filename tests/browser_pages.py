"""What the browser tests share: one Chromium per session (per xdist worker) with a fresh
context for each page, screenshots and axe-core checks, form fields by their whole label, and
the page of a one-time link that sets a password.

A pytest plugin of tests/conftest.py, for its fixtures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

# The package ships no type information; only Axe.run is used, and its result is read as JSON.
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    async_playwright,
    expect,
)

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
# Without these Chromium reaches for Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


class Visitors:
    """People at their own browsers: each page opens in a context of its own (no cookie or
    storage shared with another person or another test) on the session's one Chromium."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self._contexts: list[BrowserContext] = []

    async def new_page(self, locale: str = "en-US") -> Page:
        context = await self._browser.new_context(locale=locale)
        self._contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(10_000)
        return page

    async def close(self) -> None:
        for context in self._contexts:
            await context.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium() -> AsyncIterator[Browser]:
    """Launched once: a launch costs more than most browser tests' own steps."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def visitors(chromium: Browser) -> AsyncIterator[Visitors]:
    """The test's people; their contexts close with the test, so no test sees another's."""
    people = Visitors(chromium)
    yield people
    await people.close()


def axe_report(violations: list[dict[str, Any]]) -> str:
    """One line per rule broken: its id, impact, help and the elements that break it."""
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    )


class Screens:
    def __init__(self, story: str) -> None:
        self.folder = SCREENSHOTS / story
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.axe = Axe()

    async def shot(self, page: Page, name: str) -> None:
        self.count += 1
        await page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)

    async def check(self, page: Page, name: str) -> None:
        """A screenshot of one of our pages, and no axe-core violation on it."""
        await self.shot(page, name)
        results = await self.axe.run(page)
        violations: list[dict[str, Any]] = results.response["violations"]
        assert not violations, f"axe-core on {name} ({page.url}):\n{axe_report(violations)}"


def field(page: Page, label: str, required: str = "required") -> Locator:
    """A required form field by its whole label ("New password" is also in "Repeat the new
    password")."""
    return page.get_by_label(f"{label} ({required})", exact=True)


async def set_password_from_link(
    page: Page, url: str, password: str, screens: Screens, screen: str
) -> None:
    """Open a one-time link (in English), check its page as `screen`, and set `password`."""
    await page.goto(url)
    await expect(page.get_by_role("heading", name="Set your password")).to_be_visible()
    await screens.check(page, screen)
    await field(page, "New password").fill(password)
    await field(page, "Repeat the new password").fill(password)
    await page.get_by_role("button", name="Set password").click()
    await expect(page.get_by_role("status")).to_have_text("Your password is set. Please sign in.")
