"""/openapi.json tells the truth: what it documents is what the API does."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import httpx
import pytest

from tests.api_helpers import poll, submitted_lead
from tests.conftest import WebApp

CONFIG = Path(__file__).with_name("schemathesis.toml")
NOT_UTF8 = b"\xff\xfe{"
pytestmark = pytest.mark.contract


# The operations in groups that xdist runs side by side, each group the resources whose ids its
# operations hand each other (schemathesis feeds ids from one operation's answers to the next).
# The last group takes whatever the others do not, so an operation added later is never left out.
GROUPS = {
    "partner": "^/api/partner/",
    "onboarding": "^/api/onboarding-requests",
    "leads": "^/api/sales/leads",
    "sales": "^/api/sales/(?!leads)",
    "commerce": "^/api/commerce/",
}
OTHERS = "|".join(GROUPS.values())
RUNS = [
    *(pytest.param(["--include-path-regex", regex], id=name) for name, regex in GROUPS.items()),
    pytest.param(["--exclude-path-regex", OTHERS], id="others"),
]
# Each operation gets the examples of the document and the coverage phase's boundary and
# negative cases (all of them), then up to this many generated cases; the stateful phase up to
# this many sequences of calls, of at most `max-steps` calls each (schemathesis.toml).
EXAMPLES_PER_OPERATION = 60
STATEFUL_SEQUENCES = 30


async def schemathesis_run(web: WebApp, *options: str) -> tuple[int, str]:
    """Runs the schemathesis command line against the app; its exit code and its output."""
    # Without --checks every check runs, and the config file can turn one off where it
    # cannot apply (naming checks on the command line would override the file).
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "--no-color",
        "run", f"{web.url}/openapi.json", *options,
        "-H", f"Authorization: Bearer {web.staff_token}",
        "-H", f"X-Webhook-Secret: {web.settings.onboarding_webhook_secret}",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=400)
    text = output.decode()
    print(text[-2500:])
    assert proc.returncode is not None
    return proc.returncode, text


@pytest.mark.timeout(420)
@pytest.mark.parametrize("selection", RUNS)
async def test_schemathesis_with_every_check_finds_nothing(
    web: WebApp, selection: list[str]
) -> None:
    """Every schemathesis check over each operation of the group, none left untested."""
    code, text = await schemathesis_run(
        web, *selection, "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(EXAMPLES_PER_OPERATION),
    )  # fmt: skip
    selected = re.search(r"Selected: (\d+)/\d+\s+Tested: (\d+)", text)
    assert selected is not None, text[-2000:]
    assert int(selected.group(1)) > 0
    assert selected.group(2) == selected.group(1), text[-2000:]
    assert code == 0, text[-4000:]


@pytest.mark.timeout(420)
async def test_schemathesis_stateful_phase_finds_nothing(web: WebApp) -> None:
    """Every check over sequences of calls that follow the document's links."""
    code, text = await schemathesis_run(
        web, "--phases", "stateful", "--max-examples", str(STATEFUL_SEQUENCES)
    )
    links = re.search(r"(\d+) covered / \d+ selected / \d+ total", text)
    assert links is not None, text[-2000:]
    assert int(links.group(1)) > 0
    assert code == 0, text[-4000:]


@pytest.mark.parametrize(
    "path",
    [
        "/api/sales/leads/LEAD-X/disqualify",
        "/api/sales/opportunities/OPP-X/close",
        "/api/webhooks/sales",
    ],
)
async def test_a_body_that_is_not_utf8_is_the_documented_422(
    http: httpx.AsyncClient, web: WebApp, path: str
) -> None:
    """Bytes that are not UTF-8 get the 422 the document lists, naming the body."""
    headers = {**web.staff(), "Content-Type": "application/json"}
    response = await http.post(path, content=NOT_UTF8, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


async def test_a_wrong_method_lists_every_method_of_the_path(http: httpx.AsyncClient) -> None:
    """405 names in Allow each method the document has for the path, not only the first."""
    response = await http.request("OPTIONS", "/api/onboarding-requests/B2B-X")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"


async def test_the_document_links_an_onboarding_to_its_decisions(http: httpx.AsyncClient) -> None:
    """From an onboarding, links lead to its lead's decisions and its opportunity's close."""
    document = (await http.get("/openapi.json")).json()
    answer = document["paths"]["/api/onboarding-requests/{reference}"]["get"]["responses"]
    links = answer["200"]["links"]
    assert links["QualifyLead"]["parameters"] == {"lead_id": "$response.body#/lead_id"}
    assert links["CloseOpportunity"]["parameters"] == {
        "opportunity_id": "$response.body#/opportunity_id"
    }


async def test_an_erased_onboarding_is_unknown_afterwards(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """After DELETE the onboarding answers 404, and so does a second DELETE."""
    reference, _ = await submitted_lead(http, web)
    path = f"/api/onboarding-requests/{reference}"
    assert (await http.delete(path, headers=web.staff())).status_code == 204
    assert (await http.get(path, headers=web.staff())).status_code == 404
    assert (await http.delete(path, headers=web.staff())).status_code == 404


async def test_a_finished_onboarding_erased_is_unknown_afterwards(
    http: httpx.AsyncClient, web: WebApp
) -> None:
    """A disqualified (finished) onboarding, once erased, answers 404 too."""
    reference, lead_id = await submitted_lead(http, web)
    await http.post(
        f"/api/sales/leads/{lead_id}/disqualify", json={"reason": "Lost"}, headers=web.staff()
    )
    path = f"/api/onboarding-requests/{reference}"
    await poll(http, web, path, "closed")
    assert (await http.delete(path, headers=web.staff())).status_code == 204
    assert (await http.get(path, headers=web.staff())).status_code == 404
