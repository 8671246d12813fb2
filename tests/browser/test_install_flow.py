"""The Management UI setup of the product page, clicked through in real headless Chromium."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from integrations.models import Integration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "browser-s3cret-4f9a1c"
TOKEN = "abc123def456789"


class Visits:
    """Every page's HTML seen during the flow, so the secret can be looked for in all of them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.html: list[str] = []

    def record(self) -> None:
        self.page.wait_for_load_state()
        self.html.append(self.page.content())


def log_in(page: Page, base_url: str, visits: Visits) -> None:
    page.goto(f"{base_url}/login/")
    visits.record()
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Installed", exact=True)).to_be_visible()
    visits.record()


def test_a_marketer_installs_mixpanel_from_the_library(
    daphne_server: str, page: Page, staff_user, artifacts: Path
):
    visits = Visits(page)
    log_in(page, daphne_server, visits)

    # Integrations > Integration Library, filtered to Analytics
    page.get_by_role("link", name="Integration Library", exact=True).click()
    visits.record()
    page.get_by_role("link", name="Analytics", exact=True).click()
    expect(page).to_have_url(re.compile(r"category=Analytics"))
    visits.record()
    page.get_by_role("link", name="Install Mixpanel").click()
    visits.record()

    # pick the Retail variant
    page.get_by_label("Retail", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"variant=retail"))
    visits.record()

    # fill in the fields and install
    page.get_by_label("Project Token").fill(TOKEN)
    page.get_by_label("API Secret").fill(SECRET)
    page.get_by_label("EU", exact=True).check()
    page.screenshot(path=str(artifacts / "install-form.png"), full_page=True)
    page.get_by_role("button", name="Install Integration").click()

    # the integration's page
    integration = Integration.objects.get()
    expect(page).to_have_url(f"{daphne_server}/integrations/{integration.pk}/")
    visits.record()
    expect(page.get_by_text("Mixpanel installed")).to_be_visible()
    expect(page.get_by_test_id("blueprint-badge")).to_have_text("alpha · blueprint 0.1.0")
    expect(page.locator('dd[data-field="data_residency"]')).to_have_text("EU")
    expect(page.locator('dd[data-field="api_secret"]')).to_have_text("•••••• (stored)")
    page.screenshot(path=str(artifacts / "install-flow.png"), full_page=True)

    # the record and every page seen
    assert integration.variant == "retail"
    assert integration.config["eu_data_residency"] is True
    assert integration.secrets["api_secret"] == SECRET
    page.get_by_role("link", name="Edit settings").first.click()
    visits.record()
    assert len(visits.html) == 8
    assert all(SECRET not in html for html in visits.html)
