"""The company's identifiers on the request: normalised, then checked at once; a wrong one is
a 422 naming the field, on the form in the page's language."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from domain.request import Company
from tests.test_bad_input import assert_422_naming, with_field

CORPORATE = "5835678256246"
FIELDS = ("corporate_number", "invoice_registration_number", "vat_number")


def error_of(field: str, value: str) -> tuple[str, tuple[Any, ...]]:
    with pytest.raises(ValidationError) as raised:
        Company.model_validate({"name": "Contoso", field: value})
    error = raised.value.errors()[0]
    return error["type"], error["loc"]


@pytest.mark.parametrize(
    ("field", "typed", "stored"),
    [
        ("corporate_number", "5835678256246", CORPORATE),
        ("corporate_number", "５８３５６７８２５６２４６", CORPORATE),
        ("corporate_number", "5-8356-7825-6246", CORPORATE),
        ("corporate_number", " 5835 6782 5624 6 ", CORPORATE),
        ("corporate_number", "5ー8356ー7825ー6246", CORPORATE),
        ("invoice_registration_number", "T5835678256246", f"T{CORPORATE}"),
        ("invoice_registration_number", "ｔ５８３５－６７８２－５６２４６", f"T{CORPORATE}"),
        ("vat_number", "de 136 695 976", "DE136695976"),
        ("vat_number", "ＦＲ４０３０３２６５０４５", "FR40303265045"),
        ("vat_number", "EL-094259216", "EL094259216"),
        ("vat_number", "NL004495445B01", "NL004495445B01"),
    ],
)
def test_an_identifier_is_stored_in_its_normal_form(field: str, typed: str, stored: str) -> None:
    """Full-width characters, spaces, hyphens and case are normalised, not refused."""
    assert getattr(Company.model_validate({"name": "Contoso", field: typed}), field) == stored


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("corporate_number", "2835678256246"),
        ("invoice_registration_number", "T2835678256246"),
        ("vat_number", "DE136695977"),
    ],
)
def test_a_wrong_check_digit_is_refused_as_such(field: str, typed: str) -> None:
    """One wrong digit: `check_digit`, on the field."""
    assert error_of(field, typed) == ("check_digit", (field,))


@pytest.mark.parametrize(
    ("field", "typed", "kind"),
    [
        ("corporate_number", "583567825624", "corporate_number_format"),
        ("corporate_number", "58356782562460", "corporate_number_format"),
        ("corporate_number", "0835678256246", "corporate_number_format"),
        ("corporate_number", "583567825624X", "corporate_number_format"),
        ("corporate_number", "", "corporate_number_format"),
        ("invoice_registration_number", "5835678256246", "invoice_number_format"),
        ("invoice_registration_number", "TT5835678256246", "invoice_number_format"),
        ("vat_number", "136695976", "vat_number_format"),
        ("vat_number", "US136695976", "vat_number_format"),
        ("vat_number", "GR094259216", "vat_number_format"),
        ("vat_number", "DE", "vat_number_format"),
        ("vat_number", "DE12", "vat_number_format"),
    ],
)
def test_a_malformed_identifier_is_refused_saying_its_form(
    field: str, typed: str, kind: str
) -> None:
    """Too few or many digits, letters, no prefix or another country's: the field's format."""
    assert error_of(field, typed) == (kind, (field,))


@pytest.mark.parametrize("field", FIELDS)
def test_an_identifier_typed_over_40_characters_is_too_long(field: str) -> None:
    """However much of it is spaces, more than 40 characters is `string_too_long`."""
    assert error_of(field, "5" + " " * 40) == ("string_too_long", (field,))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("corporate_number", "2835678256246"),
        ("corporate_number", "1" * 41),
        ("invoice_registration_number", "5835678256246"),
        ("vat_number", "DE136695977"),
        ("vat_number", 136695976),
    ],
)
async def test_a_wrong_identifier_is_a_422_naming_it(
    http: httpx.AsyncClient, field: str, value: object
) -> None:
    """The API refuses a wrong identifier by its path, company.<field>."""
    await assert_422_naming(http, with_field(f"company.{field}", value), f"company.{field}")


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("ja", "番号のチェックデジットが正しくありません。"),
        ("en", "The check digit of this number is wrong."),
    ],
)
async def test_the_form_names_a_wrong_check_digit_in_its_language(
    http: httpx.AsyncClient, lang: str, message: str
) -> None:
    """The site's form says what is wrong with the field, in the page's language."""
    form = {
        "company.name": "Contoso",
        "company.corporate_number": "2835678256246",
        "contact.first_name": "Aiko",
        "contact.last_name": "Sato",
        "contact.email": "aiko@contoso.example",
    }
    response = await http.post(f"/partner/apply?lang={lang}", data=form)
    assert response.status_code == 422
    assert f'id="company-corporate_number-error">{message}' in response.text
    assert 'value="2835678256246"' in response.text


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("ja", ("法人番号", "登録番号", "VAT番号")),
        ("en", ("Corporate number", "Invoice registration number", "VAT number")),
    ],
)
async def test_the_form_asks_for_the_three_identifiers(
    http: httpx.AsyncClient, lang: str, labels: tuple[str, ...]
) -> None:
    """Each identifier has an input with its label in the page's language."""
    page = (await http.get(f"/partner/apply?lang={lang}")).text
    for field, label in zip(FIELDS, labels, strict=True):
        assert f'<label for="company-{field}">{label}</label>' in page
        assert f'name="company.{field}"' in page


async def test_the_document_describes_the_identifiers(http: httpx.AsyncClient) -> None:
    """/openapi.json lists the three optional fields with their format and a length limit."""
    schemas = (await http.get("/openapi.json")).json()["components"]["schemas"]
    company = schemas["Company"]["properties"]
    formats = {
        field: [s.get("format") for s in company[field]["anyOf"] if s.get("type") == "string"]
        for field in FIELDS
    }
    assert formats == {
        "corporate_number": ["jp-corporate-number"],
        "invoice_registration_number": ["jp-invoice-registration-number"],
        "vat_number": ["eu-vat-number"],
    }
    assert not set(FIELDS) & set(schemas["Company"].get("required", []))
