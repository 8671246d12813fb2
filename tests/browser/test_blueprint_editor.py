"""The blueprint editor in real headless Chromium, against Signal's real processes on Redis."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from delivery.models import Delivery
from integrations.models import Source
from tests.browser.helpers import log_in
from tests.delivery.helpers import collector, mixpanel, send_batch, settled, track
from tests.support.stack import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

STARTUP_MS = 30_000
# The elements that stick out past the right edge of the window (none, on a page that fits).
WIDE = """
[...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
  .filter((el) => !el.closest(".table-wrap, pre"))
  .slice(0, 5)
  .map((el) => `${el.tagName.toLowerCase()}.${el.className}`
    + ` ${Math.round(el.getBoundingClientRect().right)}px`)
"""


def names_at_mixpanel(fake) -> list[str]:
    return [e["event"] for e in fake.events()]


def open_editor(page: Page, base_url: str, integration_id: int) -> None:
    page.goto(f"{base_url}/integrations/{integration_id}/blueprint/")
    expect(page.get_by_test_id("blueprint-state")).to_be_visible()


def add_to_cart(shop) -> None:
    shop.get_by_role("button", name="Add Canvas Weekender to cart").click()
    shop.evaluate("datafly.flush()")


def test_an_admin_renames_an_event_watches_the_preview_saves_sees_it_arrive_and_rolls_back(
    stack, fake_mixpanel, staff_user, page: Page, artifacts: Path
):
    integration = mixpanel("retail")
    source = Source.objects.create(name="Demo shop")
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, stack.base_url)
    open_editor(page, stack.base_url, integration.pk)
    expect(page.get_by_test_id("blueprint-state")).to_have_text("Shipped")

    # the preview shows what Product Added becomes today
    page.get_by_label("Event", exact=True).select_option(label="Product Added")
    expect(page.get_by_test_id("preview-event-name")).to_have_text("Add to Cart")

    # renaming it in its rule changes the preview before anything is saved
    rule = page.locator("details.editor-row").filter(
        has=page.locator("input[name$='-name'][value='Product Added']")
    )
    rule.locator("summary").click()
    rule.get_by_label("Mixpanel event").fill("Added To Basket")
    expect(page.get_by_test_id("preview-event-name")).to_have_text("Added To Basket")
    expect(page.get_by_test_id("preview-diff")).to_contain_text(
        '+  "destination_event": "Added To Basket"'
    )
    page.screenshot(path=str(artifacts / "blueprint-editor-preview.png"), full_page=True)
    assert integration.blueprint == type(integration).objects.get().blueprint  # not saved yet

    page.get_by_label("What changed").fill("Basket wording")
    page.get_by_role("button", name="Save blueprint").click()
    expect(page.get_by_text("Saved revision 2.")).to_be_visible()
    expect(page.get_by_test_id("blueprint-state")).to_have_text("Customised")

    # the demo shop's add-to-cart now reaches Mixpanel, and Live Events, under the new name
    shop = page.context.new_page()
    shop.goto(f"{stack.base_url}/demo/?writeKey={source.write_key}")
    shop.get_by_role("button", name="Allow analytics").click()
    add_to_cart(shop)
    wait_until(lambda: "Added To Basket" in names_at_mixpanel(fake_mixpanel), timeout=30)
    page.goto(f"{stack.base_url}/integrations/{integration.pk}/live/")
    expect(page.get_by_test_id("connection-state")).to_have_text("Live")
    add_to_cart(shop)
    expect(page.locator("tr.live-row", has_text="Added To Basket").first).to_be_visible(
        timeout=STARTUP_MS
    )

    # rolling back to revision 1 brings the old name back for the next event
    open_editor(page, stack.base_url, integration.pk)
    history = page.get_by_test_id("blueprint-history")
    expect(history).to_contain_text("Basket wording")
    history.get_by_test_id("revision-1").get_by_role("button", name="Roll back to this").click()
    expect(page.get_by_text("Rolled back to revision 1: revision 3.")).to_be_visible()
    expect(page.get_by_test_id("blueprint-state")).to_have_text("Shipped")
    before = names_at_mixpanel(fake_mixpanel).count("Add to Cart")
    add_to_cart(shop)
    wait_until(lambda: names_at_mixpanel(fake_mixpanel).count("Add to Cart") > before, timeout=30)


def test_switching_missing_consent_to_deliver_delivers_a_consent_less_event(
    stack, fake_mixpanel, staff_user, page: Page
):
    integration = mixpanel("retail")
    _, client = collector(stack.base_url)
    send_batch(client, [track("Product Viewed", context={})])
    wait_until(lambda: settled(integration, 1, Delivery.SUPPRESSED), timeout=30)

    log_in(page, stack.base_url)
    open_editor(page, stack.base_url, integration.pk)
    consent = page.get_by_test_id("section-consent")
    consent.get_by_label("Events with no consent information").select_option(label="Deliver them")
    page.get_by_role("button", name="Save blueprint").click()
    expect(page.get_by_text("Saved revision 2.")).to_be_visible()

    send_batch(client, [track("Product Viewed", context={})])
    wait_until(lambda: settled(integration, 1), timeout=30)
    assert "Product Viewed" in names_at_mixpanel(fake_mixpanel)


@pytest.mark.parametrize("width", [390, 1440])
def test_the_editor_fits_the_screen_and_shows_errors_at_their_field(
    daphne_server: str, staff_user, page: Page, width: int, artifacts: Path
):
    from tests.delivery.helpers import mixpanel as install

    integration = install("retail")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, daphne_server)
    open_editor(page, daphne_server, integration.pk)
    rule = page.locator("details.editor-row").filter(
        has=page.locator("input[name$='-name'][value='Product Added']")
    )
    rule.locator("summary").click()
    rule.get_by_label("Mixpanel event").fill("$purchase")
    page.get_by_role("button", name="Save blueprint").click()

    expect(page.get_by_test_id("blueprint-errors")).to_contain_text("Some fields need attention")
    expect(rule.locator(".field-error")).to_contain_text("reserved by Mixpanel")  # opened
    expect(rule.locator("summary")).to_contain_text("needs attention")
    expect(page.get_by_test_id("blueprint-errors")).to_be_focused()
    page.screenshot(path=str(artifacts / f"blueprint-editor-{width}.png"), full_page=True)
    for section in page.locator("fieldset.editor-section").all():
        name = section.get_attribute("data-testid")
        section.screenshot(path=str(artifacts / f"blueprint-{name}-{width}.png"))
    wide = page.evaluate(WIDE)
    assert not wide, f"the editor scrolls sideways: {wide}"

    page.get_by_role("link", name="Advanced: JSON").click()
    page.get_by_label("Blueprint JSON").fill('{"version": "0.1.0", "status": "alpha", "colour": 1}')
    page.get_by_role("button", name="Save blueprint").click()
    expect(page.get_by_test_id("blueprint-errors")).to_contain_text(re.compile(r"Line \d+, colour"))
    wide = page.evaluate(WIDE)
    assert not wide, f"the JSON editor scrolls sideways: {wide}"


def test_two_tabs_editing_one_blueprint_the_second_save_is_refused_with_a_clear_message(
    daphne_server: str, staff_user, page: Page
):
    from tests.delivery.helpers import mixpanel as install

    integration = install("retail")
    log_in(page, daphne_server)
    second = page.context.new_page()
    open_editor(page, daphne_server, integration.pk)
    open_editor(second, daphne_server, integration.pk)

    for tab, name in ((page, "Added To Basket"), (second, "Basket Add")):
        rule = tab.locator("details.editor-row").filter(
            has=tab.locator("input[name$='-name'][value='Product Added']")
        )
        rule.locator("summary").click()
        rule.get_by_label("Mixpanel event").fill(name)
    page.get_by_role("button", name="Save blueprint").click()
    expect(page.get_by_text("Saved revision 2.")).to_be_visible()
    second.get_by_role("button", name="Save blueprint").click()

    expect(second.get_by_test_id("blueprint-errors")).to_contain_text(
        "Someone saved revision 2 while you were editing revision 1"
    )
    stored = type(integration).objects.get().blueprint
    renames = [r.get("rename") for r in stored["events"]]
    assert "Added To Basket" in renames and "Basket Add" not in renames
