"""Forms over HTTP as assistive technology reads them: labels, required fields, tied errors.

The browser story runs axe-core on every page it shows; these pin the form patterns themselves.
"""

from __future__ import annotations

import uuid
from html.parser import HTMLParser

import httpx
import pytest

from plumbing.stores import Stores
from tests.account_helpers import staff_link
from tests.conftest import WebApp

BLANK_FORM = {"company.name": "", "contact.email": ""}


def wrong_password() -> dict[str, str]:
    """A sign-in form for an address no account has, so no account's failures add up."""
    return {"email": f"nobody.{uuid.uuid4().hex[:10]}@shop.example", "password": "wrong"}


class Tags(HTMLParser):
    """The start tags of a page, each with its attributes, in the page's order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def named(self, *names: str) -> list[dict[str, str]]:
        return [attrs for tag, attrs in self.tags if tag in names]

    def control(self, control_id: str) -> dict[str, str]:
        [found] = [
            a for a in self.named("input", "select", "textarea") if a.get("id") == control_id
        ]
        return found


async def form_pages(http: httpx.AsyncClient, stores: Stores, web: WebApp) -> dict[str, str]:
    _, activation = await staff_link(stores, web)
    set_password = await http.get(f"{activation}&lang=en")
    assert set_password.status_code == 200, set_password.text
    return {
        "apply": (await http.get("/partner/apply?lang=en")).text,
        "apply with errors": (await http.post("/partner/apply?lang=en", data=BLANK_FORM)).text,
        "staff sign-in": (await http.get("/staff/sign-in?lang=en")).text,
        "refused staff sign-in": (await http.post("/staff/sign-in", data=wrong_password())).text,
        "partner sign-in": (await http.get("/sign-in?lang=en")).text,
        "refused partner sign-in": (await http.post("/sign-in", data=wrong_password())).text,
        "forgot password": (await http.get("/forgot-password?lang=en")).text,
        "set password": set_password.text,
    }


async def test_every_form_control_has_a_label_tied_to_it(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """Each visible control of the public form and the account forms has a <label for> its id."""
    for name, html in (await form_pages(http, stores, web)).items():
        tags = Tags(html)
        labelled = {label["for"] for label in tags.named("label")}
        controls = [
            c for c in tags.named("input", "select", "textarea") if c.get("type") != "hidden"
        ]
        assert controls, name
        assert [c.get("id") for c in controls if c.get("id") not in labelled] == [], name


@pytest.mark.parametrize(
    ("path", "required"),
    [
        ("/partner/apply", {"company-name", "contact-last_name", "contact-first_name",
                            "contact-email"}),
        ("/staff/sign-in", {"email", "password"}),
        ("/sign-in", {"email", "password"}),
        ("/forgot-password", {"email"}),
    ],
)  # fmt: skip
async def test_required_fields_carry_the_required_attribute(
    http: httpx.AsyncClient, path: str, required: set[str]
) -> None:
    """Exactly the fields the server insists on are marked required."""
    tags = Tags((await http.get(path)).text)
    marked = {c["id"] for c in tags.named("input", "select", "textarea") if "required" in c}
    assert marked == required


async def test_error_summary_links_to_each_field_in_error(http: httpx.AsyncClient) -> None:
    """An invalid form opens with a focusable alert that links to each bad field, in order."""
    page = await http.post("/partner/apply?lang=en", data=BLANK_FORM)
    tags = Tags(page.text)
    [summary] = [div for div in tags.named("div") if div.get("id") == "error-summary"]
    assert summary["role"] == "alert"
    assert summary["tabindex"] == "-1"
    assert "<title>Error: " in page.text
    links = [a["href"] for a in tags.named("a") if a.get("href", "").startswith("#")]
    assert links == ["#company-name", "#contact-last_name", "#contact-first_name", "#contact-email"]


async def test_each_error_message_is_tied_to_its_input(http: httpx.AsyncClient) -> None:
    """A field in error is marked invalid and described by its own message."""
    page = await http.post(
        "/partner/apply?lang=en",
        data={"company.name": "Fabrikam", "contact.first_name": "Ken",
              "contact.last_name": "Ito", "contact.email": "nope"},
    )  # fmt: skip
    tags = Tags(page.text)
    email = tags.control("contact-email")
    assert email["aria-invalid"] == "true"
    assert email["aria-describedby"] == "contact-email-error"
    assert 'id="contact-email-error">This does not look right.' in page.text
    assert "aria-invalid" not in tags.control("company-name")


@pytest.mark.parametrize("path", ["/staff/sign-in", "/sign-in"])
async def test_refused_sign_in_ties_its_message_to_the_password(
    http: httpx.AsyncClient, path: str
) -> None:
    """A wrong password is reported on the password field, and the summary links to it."""
    refused = await http.post(f"{path}?lang=en", data=wrong_password())
    assert refused.status_code == 401
    tags = Tags(refused.text)
    password = tags.control("password")
    assert password["aria-invalid"] == "true"
    assert password["aria-describedby"] == "password-error"
    assert 'id="password-error">The email or the password is not right.' in refused.text
    assert "aria-invalid" not in tags.control("email")
    assert [a["href"] for a in tags.named("a") if a.get("href", "").startswith("#")] == [
        "#password"
    ]
