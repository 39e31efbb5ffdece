"""A company's registry identifiers as typed on the form: normalised, then checked.

Normalising first: NFKC (full-width digits and letters become half-width), spaces and
hyphens (any dash, the long-vowel mark typed as one included) removed, upper case. What is
stored is the normalised form. Then the check:

- `corporate_number` (法人番号): 13 digits, the first a check digit by the National Tax
  Agency's rule (9 - (sum of the other 12, weighted 1, 2, 1, 2... from the right) mod 9);
- `invoice_registration_number` (登録番号): `T` and 13 digits, the digits by the same rule
  (a corporation's registration number is its corporate number);
- `vat_number`: an EU VAT number with its VIES country prefix (EL for Greece, XI for Northern
  Ireland), checked by its country's rule.

Input over 40 characters is `string_too_long`; a wrong check digit `check_digit`; anything
else that is not such a number `corporate_number_format`, `invoice_number_format` or
`vat_number_format` (the site's form says each in its page's language).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from stdnum.eu import vat
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.jp import cn

MAX_TYPED = 40
# Hyphen-minus, the Unicode hyphens and dashes, minus, and the long-vowel marks a Japanese
# keyboard gives for "-" (after NFKC, the full-width forms are among these).
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70"
# VIES's prefixes: the member states with EL for Greece, and XI for Northern Ireland.
VAT_PREFIXES = frozenset({cc.upper() for cc in vat.MEMBER_STATES if cc != "gr"} | {"EL"})
CORPORATE_FORMAT = "jp-corporate-number"
INVOICE_FORMAT = "jp-invoice-registration-number"
VAT_FORMAT = "eu-vat-number"


def normalise(typed: str) -> str:
    """NFKC, without whitespace or dashes, in upper case."""
    text = unicodedata.normalize("NFKC", typed)
    return "".join(c for c in text if not c.isspace() and c not in _DASHES).upper()


def _format_error(kind: str, what: str) -> PydanticCustomError:
    return PydanticCustomError(kind, "must be {what}", {"what": what})


def _check_digit_error() -> PydanticCustomError:
    return PydanticCustomError("check_digit", "the check digit is wrong")


def _corporate_digits(number: str, kind: str, what: str) -> str:
    if not re.fullmatch(r"[1-9][0-9]{12}", number):
        raise _format_error(kind, what)
    try:
        return str(cn.validate(number))
    except InvalidChecksum:
        raise _check_digit_error() from None
    except ValidationError:
        raise _format_error(kind, what) from None


def corporate_number(typed: str) -> str:
    return _corporate_digits(normalise(typed), "corporate_number_format", "13 digits")


def invoice_registration_number(typed: str) -> str:
    number = normalise(typed)
    kind, what = "invoice_number_format", "T followed by 13 digits"
    if not number.startswith("T"):
        raise _format_error(kind, what)
    return "T" + _corporate_digits(number[1:], kind, what)


def vat_number(typed: str) -> str:
    number = normalise(typed)
    kind, what = "vat_number_format", "an EU VAT number with its country prefix"
    if number[:2] not in VAT_PREFIXES or len(number) < 4:
        raise _format_error(kind, what)
    try:
        return str(vat.validate(number))
    except InvalidChecksum:
        raise _check_digit_error() from None
    except ValidationError:
        raise _format_error(kind, what) from None


def _typed(format_name: str, description: str, example: str) -> FieldInfo:
    field: FieldInfo = Field(
        max_length=MAX_TYPED,
        json_schema_extra={
            "format": format_name,
            "description": description,
            "examples": [example],
        },
    )
    return field


CorporateNumber = Annotated[
    str,
    _typed(
        CORPORATE_FORMAT,
        "Japanese corporate number (法人番号): 13 digits with a valid check digit; full-width "
        "digits, spaces and hyphens are accepted and removed",
        "5835678256246",
    ),
    AfterValidator(corporate_number),
]
InvoiceRegistrationNumber = Annotated[
    str,
    _typed(
        INVOICE_FORMAT,
        "Qualified-invoice registration number (登録番号): T and 13 digits with a valid check "
        "digit; full-width characters, spaces and hyphens are accepted and removed",
        "T5835678256246",
    ),
    AfterValidator(invoice_registration_number),
]
VatNumber = Annotated[
    str,
    _typed(
        VAT_FORMAT,
        "EU VAT number with its country prefix (EL for Greece, XI for Northern Ireland), valid "
        "by its country's check; spaces and hyphens are accepted and removed",
        "DE136695976",
    ),
    AfterValidator(vat_number),
]
