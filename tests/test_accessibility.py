"""Forms over HTTP as assistive technology reads them: labels, required fields, tied errors.

The browser story runs axe-core on every page it shows; these pin the form patterns themselves.
"""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest

BLANK_FORM = {"company.name": "", "contact.email": ""}


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


async def form_pages(http: httpx.AsyncClient) -> dict[str, str]:
    return {
        "apply": (await http.get("/partner/apply?lang=en")).text,
        "apply with errors": (await http.post("/partner/apply?lang=en", data=BLANK_FORM)).text,
        "sign-in": (await http.get("/staff/sign-in?lang=en")).text,
        "refused sign-in": (await http.post("/staff/sign-in", data={"token": "wrong"})).text,
    }


async def test_every_form_control_has_a_label_tied_to_it(http: httpx.AsyncClient) -> None:
    """Each visible control of the public form and the sign-in form has a <label for> its id."""
    for name, html in (await form_pages(http)).items():
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
        ("/staff/sign-in", {"token"}),
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


async def test_refused_sign_in_ties_its_message_to_the_token(http: httpx.AsyncClient) -> None:
    """A wrong token is reported on the token field, and the summary links to it."""
    tags = Tags((await http.post("/staff/sign-in", data={"token": "wrong"})).text)
    token = tags.control("token")
    assert token["aria-invalid"] == "true"
    assert token["aria-describedby"] == "token-error"
    assert [a["href"] for a in tags.named("a") if a.get("href", "").startswith("#")] == ["#token"]
