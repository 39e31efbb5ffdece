"""Each outcome of each registry adapter, against the contract fakes of the three APIs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
import pytest_asyncio

from registries.check import check_number
from registries.models import Registry, RegistryCheck, RegistryUnavailable
from tests.registry_fakes import RegistryFakes, serve_registry_fakes

NOW = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
CONTOSO = "5835678256246"
CLOSED = "5021001001006"
MERGED = "6021001001005"
CANCELLED = "7021001001004"
UNKNOWN = "8021001001003"
TYPED_ADDRESS = "丸の内1-2-3\n千代田区"


@pytest_asyncio.fixture(loop_scope="session")
async def fakes() -> AsyncIterator[RegistryFakes]:
    async with serve_registry_fakes() as fakes:
        fakes.add_company(
            CONTOSO, "株式会社コントソ", furigana="コントソ", en_name="Contoso Co., Ltd."
        )
        fakes.add_company(CLOSED, "有限会社閉鎖", closed_on=date(2024, 3, 31), close_cause="01")
        fakes.add_company(
            MERGED, "合同会社合併", closed_on=date(2025, 4, 1), close_cause="11", successor=CONTOSO
        )
        fakes.add_company(CANCELLED, "株式会社取消", cancelled_on=date(2025, 6, 30))
        fakes.add_vat("DE136695976", "Fabrikam GmbH", "Hauptstrasse 1\n10115 Berlin")
        fakes.add_vat("FR40303265045", valid=False)
        yield fakes


async def check(
    fakes: RegistryFakes, registry: Registry, number: str, name: str, address: str | None
) -> RegistryCheck:
    async with httpx.AsyncClient() as http:
        return await check_number(http, fakes.settings, registry, number, name, address, NOW)


async def test_a_corporate_number_with_its_name_and_address_is_verified(
    fakes: RegistryFakes,
) -> None:
    """The registry's name and address, typed in (株) and half-width, make `verified`."""
    result = await check(fakes, "nta_corporate", CONTOSO, "(株)コントソ", TYPED_ADDRESS)
    assert (result.status, result.registered_name) == ("verified", "株式会社コントソ")
    assert result.registered_address == "東京都千代田区丸の内１丁目２－３"
    assert result.details == {"kind": "kabushiki_kaisha"}
    assert result.evidence["records"][0]["corporateNumber"] == CONTOSO
    assert result.checked_at == NOW


async def test_the_english_name_of_the_record_is_a_match(fakes: RegistryFakes) -> None:
    """A name typed as the record's English name is the same company."""
    result = await check(fakes, "nta_corporate", CONTOSO, "CONTOSO CO.,LTD", None)
    assert result.status == "verified"


async def test_another_name_for_the_number_is_a_mismatch_showing_both(
    fakes: RegistryFakes,
) -> None:
    """Someone else's number: `mismatch`, with the registered name beside what was typed."""
    result = await check(fakes, "nta_corporate", CONTOSO, "Fraud Holdings", TYPED_ADDRESS)
    assert (result.status, result.details["differs"]) == ("mismatch", "name")
    assert result.registered_name == "株式会社コントソ"


async def test_another_address_alone_is_a_mismatch(fakes: RegistryFakes) -> None:
    """The right name at an address the registry does not know is still a mismatch."""
    result = await check(
        fakes, "nta_corporate", CONTOSO, "株式会社コントソ", "梅田2-2-2\n大阪市北区"
    )
    assert (result.status, result.details["differs"]) == ("mismatch", "address")


async def test_a_closed_corporation_is_closed_with_its_date_and_cause(
    fakes: RegistryFakes,
) -> None:
    """The latest record of the history carries the closure: date and cause."""
    result = await check(fakes, "nta_corporate", CLOSED, "有限会社閉鎖", None)
    assert result.status == "closed"
    assert (result.details["closed_on"], result.details["close_cause"]) == (
        "2024-03-31",
        "liquidation_completed",
    )
    assert len(result.evidence["records"]) == 2


async def test_a_corporation_merged_away_is_closed_naming_its_successor(
    fakes: RegistryFakes,
) -> None:
    """A merger closes the corporation; the successor's number is kept."""
    result = await check(fakes, "nta_corporate", MERGED, "合同会社合併", None)
    assert result.status == "closed"
    assert result.details["close_cause"] == "merged"
    assert result.details["successor_corporate_number"] == CONTOSO


async def test_an_unknown_corporate_number_is_not_found(fakes: RegistryFakes) -> None:
    """No record for the number: `not_found`, with nothing registered."""
    result = await check(fakes, "nta_corporate", UNKNOWN, "Nobody", None)
    assert (result.status, result.registered_name) == ("not_found", None)


async def test_an_invoice_registration_is_verified_with_its_date(fakes: RegistryFakes) -> None:
    """A live registration under the typed name: `verified`, registered on its date."""
    result = await check(fakes, "nta_invoice", f"T{CONTOSO}", "株式会社コントソ", TYPED_ADDRESS)
    assert result.status == "verified"
    assert result.details["registered_on"] == "2023-10-01"


async def test_a_cancelled_invoice_registration_is_registration_cancelled(
    fakes: RegistryFakes,
) -> None:
    """A disposal date makes `registration_cancelled`, with the date."""
    result = await check(fakes, "nta_invoice", f"T{CANCELLED}", "株式会社取消", None)
    assert result.status == "registration_cancelled"
    assert result.details["cancelled_on"] == "2025-06-30"


async def test_an_unknown_invoice_registration_is_not_found(fakes: RegistryFakes) -> None:
    """No announcement for the number: `not_found`."""
    result = await check(fakes, "nta_invoice", f"T{UNKNOWN}", "Nobody", None)
    assert result.status == "not_found"


async def test_a_valid_vat_number_with_its_name_is_verified(fakes: RegistryFakes) -> None:
    """VIES's name and address, typed in other case and spacing, make `verified`."""
    result = await check(fakes, "vies", "DE136695976", "FABRIKAM gmbh", "Hauptstraße 1\nBerlin")
    assert (result.status, result.registered_name) == ("verified", "Fabrikam GmbH")
    assert result.evidence["valid"] is True


async def test_an_invalid_vat_number_is_not_found(fakes: RegistryFakes) -> None:
    """VIES's `valid: false` is `not_found`."""
    result = await check(fakes, "vies", "FR40303265045", "Anyone SA", None)
    assert result.status == "not_found"


async def test_a_vat_number_whose_state_withholds_the_name_is_verified(
    fakes: RegistryFakes,
) -> None:
    """A member state answering "---" cannot contradict the typed name."""
    fakes.add_vat("NL004495445B01")
    result = await check(fakes, "vies", "NL004495445B01", "Tailspin B.V.", None)
    assert (result.status, result.registered_name, result.registered_address) == (
        "verified",
        None,
        None,
    )


async def test_without_an_application_id_nta_checks_wait_and_ask_nothing(
    fakes: RegistryFakes,
) -> None:
    """No application id: `no_application_id` for both NTA APIs, no request sent."""
    settings = fakes.settings.model_copy(update={"nta_application_id": None})
    before = len(fakes.calls)
    reasons = []
    async with httpx.AsyncClient() as http:
        for registry, number in (("nta_corporate", CONTOSO), ("nta_invoice", f"T{CONTOSO}")):
            with pytest.raises(RegistryUnavailable) as raised:
                await check_number(http, settings, registry, number, "x", None, NOW)  # type: ignore[arg-type]
            reasons.append(raised.value.reason)
    assert reasons == ["no_application_id", "no_application_id"]
    assert len(fakes.calls) == before


async def test_only_the_number_goes_to_a_registry(fakes: RegistryFakes) -> None:
    """Neither the typed name nor the address appears in any request, VIES's included."""
    before = len(fakes.calls)
    name, address = "Secret Trading 株式会社", "秘密町9-9-9\nHidden City"
    for registry, number in (
        ("nta_corporate", CONTOSO),
        ("nta_invoice", f"T{CONTOSO}"),
        ("vies", "DE136695976"),
    ):
        await check(fakes, registry, number, name, address)  # type: ignore[arg-type]
    sent = fakes.calls[before:]
    assert [call.registry for call in sent] == ["nta_corporate", "nta_invoice", "vies"]
    assert sent[0].query.keys() == {"id", "number", "type", "history"}
    assert sent[1].query.keys() == {"id", "number", "type", "history"}
    assert sent[2].body == b'{"countryCode":"DE","vatNumber":"136695976"}'
    for call in sent:
        text = (str(call.query) + call.body.decode()).casefold()
        assert not any(part in text for part in ("secret", "秘密", "hidden"))


async def test_the_shops_own_vat_number_as_requester_earns_a_consultation_number(
    fakes: RegistryFakes,
) -> None:
    """With the shop's VAT number configured, VIES's consultation number is kept as proof."""
    settings = fakes.settings.model_copy(update={"vies_requester_vat": "NL004495445B01"})
    before = len(fakes.calls)
    async with httpx.AsyncClient() as http:
        result = await check_number(
            http, settings, "vies", "DE136695976", "Fabrikam GmbH", None, NOW
        )
    assert result.details["consultation_number"]
    assert json.loads(fakes.calls[before].body) == {
        "countryCode": "DE",
        "vatNumber": "136695976",
        "requesterMemberStateCode": "NL",
        "requesterNumber": "004495445B01",
    }
