"""The admin at laptop and phone widths, the install form after an error, and the 404 page,
in real headless Chromium."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from delivery.models import Delivery
from tests.browser.helpers import log_in
from tests.delivery.helpers import CONSENTED, collector, mixpanel, send_batch, settled, track

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"laptop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
TOKEN = "abc123def456789"
BURST = 12


class Console:
    """Console errors and uncaught exceptions seen by a page."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        self.expected = ""  # e.g. the 404 status of a page meant to be not found
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message) -> None:
        if message.type == "error" and not (self.expected and self.expected in message.text):
            self.errors.append(f"{message.location.get('url')}: {message.text}")


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")


def page_view(path: str) -> dict:
    event = track(type="page", context=CONSENTED | {"page": {"path": path}})
    event.pop("event")
    return event


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.services
def test_every_admin_page_fits_a_phone_and_a_laptop_without_sideways_scrolling(
    stack, staff_user, page: Page, artifacts: Path
):
    # given deliveries made through the whole stack: a burst of one event and a page view
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    send_batch(client, [track("Product Viewed") for _ in range(BURST)] + [page_view("/shop/lamp")])
    wait_for(lambda: settled(integration, BURST + 1))
    delivery = Delivery.objects.filter(integration=integration).order_by("id").first()
    base = f"{stack.base_url}/integrations/{integration.pk}"
    pages = {
        "installed": f"{stack.base_url}/integrations/",
        "library": f"{stack.base_url}/integrations/library/",
        "sources": f"{stack.base_url}/integrations/sources/",
        "install-form": f"{stack.base_url}/integrations/library/mixpanel/install/?variant=retail",
        "edit-form": f"{base}/edit/",
        "blueprint": f"{base}/blueprint/",
        "dashboard": f"{base}/",
        "live-events": f"{base}/live/",
        "delivery-log": f"{base}/deliveries/",
        "delivery": f"{base}/deliveries/{delivery.pk}/",
        "not-found": f"{stack.base_url}/integrations/no-such-page/",
    }
    console = Console(page)
    sideways: list[str] = []
    log_in(page, stack.base_url)
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for name, url in pages.items():
            console.expected = "status of 404" if name == "not-found" else ""
            page.goto(url)
            page.wait_for_load_state("networkidle")
            if name == "live-events":
                expect(page.locator("tr.live-row").first).to_be_visible()
            page.screenshot(path=str(artifacts / f"{name}-{size}.png"), full_page=True)
            if scrolls_sideways(page):
                sideways.append(f"{name} at {size} width")
    assert sideways == []
    assert console.errors == []


@pytest.mark.slow
@pytest.mark.services
def test_live_events_names_page_views_by_path_folds_bursts_and_copies_code(
    stack, staff_user, page: Page, artifacts: Path
):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    log_in(page, stack.base_url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(f"{stack.base_url}/integrations/{integration.pk}/live/")
    expect(page.get_by_test_id("connection-state")).to_have_text("Live")

    # when a burst of one event and a page view arrive
    send_batch(client, [track("Product Viewed") for _ in range(BURST)] + [page_view("/shop/lamp")])

    # then the page view is labelled with its path
    page_row = page.locator("tr.live-row").filter(has_text="/shop/lamp")
    expect(page_row).to_have_count(1, timeout=30_000)
    # and the burst folds into one row saying how many, with the rate beside the count
    burst = page.locator("tr.live-row:not(.is-folded)").filter(has_text="Product Viewed")
    expect(burst.get_by_test_id("live-repeat")).to_have_text(f"×{BURST}", timeout=10_000)
    expect(page.get_by_test_id("live-rate")).to_have_text(re.compile(r"events/s$"))
    burst.get_by_test_id("live-repeat").click()
    expect(page.locator("tr.live-row:visible").filter(has_text="Product Viewed")).to_have_count(
        BURST
    )

    # and a row's code boxes wrap and copy
    page_row.click()
    source = page.get_by_test_id("source-event")
    expect(source).to_contain_text("/shop/lamp")
    assert source.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    page.locator(".live-copy").first.click()
    expect(page.locator(".live-copy").first).to_have_text("Copied")
    assert "/shop/lamp" in page.evaluate("navigator.clipboard.readText()")
    page.screenshot(path=str(artifacts / "live-events-phone-detail.png"), full_page=True)
    assert not scrolls_sideways(page)


def test_the_install_form_keeps_the_token_and_residency_and_focuses_the_error(
    daphne_server: str, page: Page, staff_user, artifacts: Path
):
    log_in(page, daphne_server)
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(f"{daphne_server}/integrations/library/mixpanel/install/?variant=retail")
    page.locator("#id_name").fill("")
    page.get_by_label("Project Token").fill(TOKEN)
    page.get_by_label("API Secret").fill("typed-secret-1")
    page.get_by_label("India", exact=True).check()
    page.get_by_role("button", name="Install Integration").click()

    expect(page.get_by_text("Please correct the highlighted fields.")).to_be_visible()
    expect(page.get_by_label("Project Token")).to_have_value(TOKEN)
    expect(page.get_by_label("India", exact=True)).to_be_checked()
    expect(page.get_by_label("API Secret")).to_have_value("")
    expect(page.get_by_text(re.compile("enter the API Secret again", re.I))).to_be_visible()
    expect(page.locator("#id_name")).to_be_focused()
    page.screenshot(path=str(artifacts / "install-form-error-phone.png"), full_page=True)
    assert not scrolls_sideways(page)


def test_an_unknown_address_shows_the_branded_404_with_the_navigation(
    daphne_server: str, page: Page, staff_user
):
    log_in(page, daphne_server)
    response = page.goto(f"{daphne_server}/integrations/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("complementary", name="Main navigation")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()


def test_the_demo_shop_fits_a_phone_with_its_cart_button_whole(
    daphne_server: str, page: Page, artifacts: Path
):
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(f"{daphne_server}/demo/")
    cart = page.get_by_role("link", name=re.compile("^Cart"))
    expect(cart).to_be_visible()
    box = cart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS["phone"]["width"]
    expect(page.get_by_text("{#")).to_have_count(0)  # no template comment leaks
    page.screenshot(path=str(artifacts / "demo-shop-phone.png"), full_page=True)
    assert not scrolls_sideways(page)
