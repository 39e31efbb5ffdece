"""Schemathesis hooks: values of the string formats /openapi.json gives the company's
identifiers, so generated requests that the document calls valid are valid (a corporate
number's check digit is more than a pattern can say)."""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st
from stdnum.jp import cn

from domain.company_identifiers import CORPORATE_FORMAT, INVOICE_FORMAT, VAT_FORMAT

# Valid by their countries' rules: VIES's own examples and published numbers.
VAT_NUMBERS = ("DE136695976", "FR40303265045", "NL004495445B01", "EL094259216", "ATU13585627")

corporate_numbers = st.from_regex(r"\A[0-9]{12}\Z").map(lambda d: cn.calc_check_digit(d) + d)
schemathesis.openapi.format(CORPORATE_FORMAT, corporate_numbers)
schemathesis.openapi.format(INVOICE_FORMAT, corporate_numbers.map(lambda n: f"T{n}"))
schemathesis.openapi.format(VAT_FORMAT, st.sampled_from(VAT_NUMBERS))
