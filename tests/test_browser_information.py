"""An information request in a browser, as people would play it (Chromium, fields by label):
the salesperson asks on the lead's page, the applicant opens the emailed link and sends an
answer with a PDF and a PNG, the salesperson sees both on the lead, downloads the PDF byte for
byte and qualifies. Axe-core checks each page of ours."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import FilePayload, expect

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, staff_link
from tests.api_helpers import poll, request_body
from tests.browser_factor_steps import enrol_in_browser, staff_sign_in
from tests.browser_pages import Screens, Visitors, field, set_password_from_link
from tests.conftest import WebApp
from tests.factories import unique_email
from tests.test_information_page import PDF, PNG, page_in_mail

pytestmark = pytest.mark.browser


async def test_salesperson_asks_applicant_answers_with_documents(
    visitors: Visitors, web: WebApp, stores: Stores, smtp: SmtpSink
) -> None:
    """Ask, answer with a PDF and a PNG, see both, download the PDF unchanged, qualify."""
    screens = Screens("information-request")
    email = unique_email("aiko")
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as http:
        submitted = await http.post("/api/onboarding-requests", json=request_body(email=email))
        reference = submitted.json()["reference"]
        onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "lead_id")
    lead_url = f"{web.url}/sales/leads/{onboarding['lead_id']}?lang=en"

    # The salesperson asks, from the lead's page.
    rep_email, activation = await staff_link(stores, web, f"Rep {uuid.uuid4().hex[:6]}")
    rep = await visitors.new_page("en-US")
    await set_password_from_link(
        rep, f"{web.url}{activation}", STRONG_PASSWORD, screens, "staff-activation"
    )
    await rep.goto(lead_url)
    await staff_sign_in(rep, rep_email)
    await enrol_in_browser(rep)
    await rep.goto(lead_url)
    await rep.get_by_role("button", name="Ask for information").click()
    await expect(rep.get_by_role("heading", name="Ask for information")).to_be_visible()
    await screens.check(rep, "ask-form")
    await field(rep, "Message").fill("Please send your registration certificate.")
    await rep.get_by_label("Certificate of registered matters", exact=False).check()
    await rep.get_by_label("Credit application").check()
    await rep.get_by_role("button", name="Send request").click()
    await expect(rep.get_by_text("waiting for the applicant")).to_be_visible()
    await screens.check(rep, "lead-waiting-for-the-applicant")

    # The applicant opens the emailed link and answers.
    applicant = await visitors.new_page("en-US")
    await applicant.goto(f"{web.url}{await page_in_mail(smtp, email)}")
    await expect(
        applicant.get_by_text("Please send your registration certificate.")
    ).to_be_visible()
    await screens.check(applicant, "applicant-page")
    await applicant.get_by_label("Answer", exact=True).fill("Both documents are attached.")
    await applicant.get_by_label("Documents", exact=True).set_input_files(
        [
            FilePayload(name="certificate.pdf", mimeType="application/pdf", buffer=PDF),
            FilePayload(name="stamp.png", mimeType="image/png", buffer=PNG),
        ]
    )
    await applicant.get_by_role("button", name="Send").click()
    await expect(applicant.get_by_role("heading", name="Answer received")).to_be_visible()
    await screens.check(applicant, "applicant-receipt")

    # The salesperson sees both files on the lead, downloads the PDF, and qualifies.
    await rep.goto(lead_url)
    await expect(rep.get_by_text("Both documents are attached.")).to_be_visible()
    await expect(rep.get_by_role("link", name="stamp.png")).to_be_visible()
    await screens.check(rep, "lead-with-answer")
    async with rep.expect_download() as downloading:
        await rep.get_by_role("link", name="certificate.pdf").click()
    download = await downloading.value
    assert Path(await download.path()).read_bytes() == PDF
    await rep.get_by_role("button", name="Qualify", exact=True).click()
    await expect(rep.locator("#lead-status")).to_have_text("qualified", timeout=15_000)
    await expect(rep.locator(".information-request h3")).to_contain_text("closed")
    await screens.check(rep, "lead-qualified")
