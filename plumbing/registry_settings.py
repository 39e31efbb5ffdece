"""Where the business registries answer (SPEC.md, "Verified companies"): the NTA's two
Web-APIs and the EU's VIES, and the application id both NTA APIs need; with none, every NTA
check stays pending; and whether the purchases of a partner the monthly re-check flagged
are declined."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from domain.company_identifiers import VatNumber
from registries.models import RegistrySettings


class RegistryEnvironment(BaseSettings):
    onboarding_nta_corporate_api_url: str = "https://api.houjin-bangou.nta.go.jp"
    onboarding_nta_invoice_api_url: str = "https://web-api.invoice-kohyo.nta.go.jp"
    onboarding_nta_application_id: SecretStr | None = None
    onboarding_vies_api_url: str = "https://ec.europa.eu/taxation_customs/vies/rest-api"
    onboarding_vies_requester_vat: VatNumber | None = None
    # Decline purchases of an organization the monthly re-check flagged, until staff clear it.
    onboarding_freeze_unverified: bool = False

    def registry_settings(self) -> RegistrySettings:
        return RegistrySettings(
            nta_corporate_url=self.onboarding_nta_corporate_api_url,
            nta_invoice_url=self.onboarding_nta_invoice_api_url,
            vies_url=self.onboarding_vies_api_url,
            nta_application_id=self.onboarding_nta_application_id,
            vies_requester_vat=self.onboarding_vies_requester_vat,
        )
