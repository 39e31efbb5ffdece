"""The name and address match (registries/names.py) and the overall verdict, pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.registry_checks import CheckStatus, RegistryCheck, overall_status
from domain.request import Address, Company
from registries.check import identifiers_to_check, typed_address
from registries.names import address_matches, compare, name_key, name_matches


@pytest.mark.parametrize(
    ("typed", "registered"),
    [
        ("(株)コントソ", "株式会社コントソ"),
        ("㈱コントソ", "株式会社コントソ"),
        ("コントソ株式会社", "株式会社コントソ"),
        ("株式会社　コントソ", "株式会社コントソ"),
        ("ｺﾝﾄｿ", "コントソ"),
        ("ＣＯＮＴＯＳＯ", "Contoso"),
        ("Contoso Co., Ltd.", "CONTOSO CO.,LTD."),
        ("Contoso K.K.", "contoso kabushiki kaisha"),
        ("Contoso Inc", "Contoso, Inc."),
        ("Fabrikam GmbH", "FABRIKAM"),
        ("Tailspin B.V.", "Tailspin BV"),
        ("Wingtip S.A.S.", "WINGTIP SAS"),
        ("Northwind Sp. z o.o.", "Northwind"),
    ],
)
def test_names_that_differ_in_width_case_spacing_or_legal_form_match(
    typed: str, registered: str
) -> None:
    """Width, case, spaces, punctuation and legal forms make no difference."""
    assert name_matches(typed, [registered])


@pytest.mark.parametrize(
    ("typed", "registered"),
    [
        ("株式会社コントソ", "株式会社コントソー"),
        ("Contoso Trading", "Contoso"),
        ("Samsung", "Amsung SA"),
        ("Fabrikam GmbH", "Fabrikan GmbH"),
    ],
)
def test_names_that_differ_otherwise_do_not_match(typed: str, registered: str) -> None:
    """Any other difference, one letter or one word, is another name."""
    assert not name_matches(typed, [registered])


def test_a_legal_form_inside_a_word_stays() -> None:
    """ "SA" is removed as a word, never as letters inside one ("Sasaki")."""
    assert name_key("Sasaki SA") == "sasaki"


def test_a_name_of_legal_forms_only_is_compared_whole() -> None:
    """A name that is nothing but legal forms still has a key, and matches only itself."""
    assert name_key("Company Limited") == "companylimited"
    assert not name_matches("Company Limited", ["Other Limited"])


def test_a_name_matches_any_of_the_registered_names() -> None:
    """The furigana or the English name of the record count as the registered name."""
    assert name_matches("Contoso", ["株式会社コントソ", "コントソ", "Contoso Co., Ltd."])


def test_a_registry_that_withholds_the_name_cannot_contradict_it() -> None:
    """VIES's "---" (or nothing) for the name is no mismatch."""
    assert name_matches("Anything", ["---", None])


@pytest.mark.parametrize(
    "typed",
    [
        "丸の内1-2-3\n千代田区",
        "千代田区\n丸の内１丁目２番３号",
        "丸の内 1-2-3",
        "1-2-3 Marunouchi\nChiyoda-ku",
    ],
)
def test_each_typed_address_line_found_in_the_registered_address_matches(typed: str) -> None:
    """Lines in any order, 丁目/番/号 or hyphens, Japanese or the English address."""
    registered = ["東京都千代田区丸の内１丁目２－３", "1-2-3, Marunouchi, Chiyoda ku, Tokyo"]
    assert address_matches(typed, registered)


def test_an_address_in_a_script_the_registry_does_not_publish_cannot_differ() -> None:
    """A romanised address against a record with only the Japanese one is no mismatch."""
    assert address_matches("1-2-3 Marunouchi\nChiyoda-ku", ["東京都千代田区丸の内１丁目２－３"])
    assert not address_matches("Umeda 2-2-2\nOsaka", ["1-2-3, Marunouchi, Chiyoda ku, Tokyo"])
    assert address_matches("Müllerstraße 5\nMünchen", ["MÜLLERSTRASSE 5\n80469 MÜNCHEN"])


def test_an_address_elsewhere_does_not_match() -> None:
    """A line found in no registered address is another address."""
    assert not address_matches("梅田2-2-2\n大阪市北区", ["東京都千代田区丸の内１丁目２－３"])


@pytest.mark.parametrize(
    ("typed", "registered"), [(None, ["東京都"]), ("", ["東京都"]), ("Tokyo", [None])]
)
def test_an_address_missing_on_either_side_is_no_mismatch(
    typed: str | None, registered: list[str | None]
) -> None:
    """Nothing typed, or nothing published (sole traders, VIES's "---"): no mismatch."""
    assert address_matches(typed, registered)


def test_compare_says_which_part_differs() -> None:
    """A mismatch names the part that differs, both when both do."""
    registered_name, registered_address = ["株式会社コントソ"], ["東京都千代田区丸の内１丁目２－３"]
    assert compare("コントソ", "丸の内1-2-3", registered_name, registered_address) == (
        "verified",
        {},
    )
    assert compare("Other", "梅田1", registered_name, registered_address) == (
        "mismatch",
        {"differs": "name,address"},
    )


def checks(*statuses: CheckStatus) -> list[RegistryCheck]:
    now = datetime(2026, 12, 7, tzinfo=UTC)
    return [
        RegistryCheck(
            registry="vies", number="DE136695976", status=status, registered_name=None,
            registered_address=None, details={}, evidence={}, checked_at=now,
        )
        for status in statuses
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("found", "pending", "given", "expected"),
    [
        ((), False, False, "not_given"),
        ((), True, True, "pending"),
        (("verified",), False, True, "verified"),
        (("verified",), True, True, "pending"),
        (("mismatch",), True, True, "mismatch"),
        (("verified", "mismatch"), False, True, "mismatch"),
        (("mismatch", "not_found"), False, True, "not_found"),
        (("not_found", "registration_cancelled"), False, True, "registration_cancelled"),
        (("registration_cancelled", "closed"), False, True, "closed"),
    ],
)
def test_the_worst_check_decides_and_pending_outranks_only_verified(
    found: tuple[CheckStatus, ...], pending: bool, given: bool, expected: str
) -> None:
    """closed > registration_cancelled > not_found > mismatch > pending > verified."""
    assert overall_status(checks(*found), pending, given) == expected


def test_each_identifier_goes_to_its_registry() -> None:
    """Corporate number to the corporate API, invoice number to the invoice API, VAT to VIES."""
    company = Company(
        name="Contoso",
        corporate_number="5835678256246",
        invoice_registration_number="T5835678256246",
        vat_number="DE136695976",
        address=Address(line1="丸の内1-2-3", city="千代田区"),
    )
    assert identifiers_to_check(company) == [
        ("nta_corporate", "5835678256246"),
        ("nta_invoice", "T5835678256246"),
        ("vies", "DE136695976"),
    ]
    assert identifiers_to_check(Company(name="Contoso")) == []
    assert typed_address(company) == "丸の内1-2-3\n千代田区"
    assert typed_address(Company(name="Contoso")) is None
