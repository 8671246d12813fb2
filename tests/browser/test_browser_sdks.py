"""Segment's analytics-next and RudderStack's JS SDK v3, from npm, pointed at a running Signal.

Real headless Chromium loads a customer's page (served by the test on its own port) that
loads each SDK from node_modules with Signal as its CDN/config URL and data plane. Nothing may
leave the machine: Chromium resolves no other host, and any request to one fails the test.
Events go through Signal's real processes to the fake Mixpanel.
"""

import re
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page

from integrations.models import Source
from tests.browser.sdk_site import Site, require_sdks, serving
from tests.delivery.helpers import mixpanel
from tests.support.stack import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

# A desktop Chrome, so what Signal parses is "Chrome", not "HeadlessChrome".
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
INSERT_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")
ORDER = {
    "order_id": "ORD-1001",
    "total": 138,
    "revenue": 138,
    "currency": "USD",
    "products": [{"product_id": "p-1001", "price": 49, "quantity": 1}],
}
VIEWED = {"product_id": "p-1002", "name": "Canvas Weekender", "price": 89}
TRAITS = {"email": "jane.smith@example.com", "name": "Jane Smith"}


PAGE = "<!doctype html><html><head><title>SDK shop</title>{script}</head><body>Shop</body></html>"

SEGMENT_CALLS = """async ({key, signal, viewed, order, traits}) => {
  const consent = {categoryPreferences: {analytics: true}};
  const [analytics] = await AnalyticsNext.AnalyticsBrowser.load({writeKey: key, cdnURL: signal});
  // what a consent manager's wrapper does: every event says what the visitor chose
  await analytics.addSourceMiddleware(({payload, next}) => {
    payload.obj.context = {...payload.obj.context, consent};
    next(payload);
  });
  const contexts = [
    await analytics.page(),
    await analytics.track('Product Viewed', viewed),
    await analytics.identify('user-ajs-1', traits),
    await analytics.track('Order Completed', order),
  ];
  return contexts.map((ctx) => String(ctx.failedDelivery()?.reason ?? 'sent'));
}"""

RUDDERSTACK_CALLS = """async ({key, signal, viewed, order, traits}) => {
  const options = {consent: {categoryPreferences: {analytics: true}}};  // into context
  const analytics = new rudderanalytics.RudderAnalytics();
  await new Promise((resolve) => analytics.load(key, signal, {
    configUrl: signal, logLevel: 'ERROR', onLoaded: () => resolve(),
  }));
  analytics.page('Shop', 'Home', {}, options);
  analytics.track('Product Viewed', viewed, options);
  analytics.identify('user-rs-1', traits, options);
  analytics.track('Order Completed', order, options);
  analytics.reset();
  analytics.track('Product Viewed', {...viewed, product_id: 'after-reset'}, options);
  return analytics.getAnonymousId();
}"""


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    require_sdks()
    with serving() as site:
        yield site


@pytest.fixture
def shopper(browser: Browser) -> Iterator[tuple[Page, list[str], list[tuple[str, int]]]]:
    """A desktop-Chrome page; the foreign requests it tried and Signal's answers it got."""
    context = browser.new_context(user_agent=CHROME)
    page = context.new_page()
    page.set_default_timeout(20_000)
    foreign: list[str] = []
    answers: list[tuple[str, int]] = []

    def watch(request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS:
            foreign.append(request.url)

    page.on("request", watch)
    page.on("response", lambda r: answers.append((r.request.method + " " + r.url, r.status)))
    yield page, foreign, answers
    context.close()


@pytest.fixture
def signal(stack):
    """Signal's processes with Mixpanel (retail) installed, and a source for the site."""
    integration = mixpanel("retail")
    return stack, integration, browser_source()


def browser_source() -> Source:
    return Source.objects.create(name="SDK shop", kind=Source.BROWSER)


def run_sdk(site: Site, shopper, signal, name: str, script: str) -> dict:
    page, foreign, answers = shopper
    stack, _, source = signal
    tag = f'<script src="/{name}/index.js"></script>'
    page.goto(site.page(name, PAGE.format(script=tag)))
    result = page.evaluate(
        script,
        {
            "key": source.write_key,
            "signal": stack.base_url,
            "viewed": VIEWED,
            "order": ORDER,
            "traits": TRAITS,
        },
    )
    return {"result": result, "page": page, "foreign": foreign, "answers": answers}


def delivered(fake, count: int, timeout: float = 45) -> list[dict]:
    return wait_until(lambda: len(fake.events()) >= count and fake.events(), timeout=timeout)


def names(events: list[dict]) -> list[str]:
    return sorted(e["event"] for e in events)


def assert_mixpanel_shapes(events: list[dict]) -> None:
    now = time.time()
    for event in events:
        props = event["properties"]
        assert INSERT_ID.match(props["$insert_id"]), props["$insert_id"]
        assert abs(props["time"] / (1000 if props["time"] > 1e11 else 1) - now) < 120, props
        assert props["distinct_id"]


def assert_only_signal_was_asked(run: dict, signal_url: str) -> None:
    run["page"].wait_for_timeout(500)  # lets Playwright report the requests it has seen
    assert run["foreign"] == []
    to_signal = [(what, status) for what, status in run["answers"] if signal_url in what]
    assert to_signal, "the SDK never called Signal"
    assert all(status < 300 for _, status in to_signal), to_signal


def test_analytics_next_from_npm_delivers_page_track_identify_and_a_purchase(
    site, shopper, signal, fake_mixpanel
):
    # when a visitor's analytics-next sends, configured only by Signal
    run = run_sdk(site, shopper, signal, "segment", SEGMENT_CALLS)
    # then every call was sent and Signal took it
    assert run["result"] == ["sent"] * 4
    assert_only_signal_was_asked(run, signal[0].base_url)
    assert any("/v1/projects/" in what and "/settings" in what for what, _ in run["answers"])
    assert {urlparse(w.split(" ", 1)[1]).path for w, _ in run["answers"] if w[:4] == "POST"} >= {
        "/v1/p",
        "/v1/t",
        "/v1/i",
    }
    # and Mixpanel got the page, the view and the purchase, as Mixpanel events
    events = delivered(fake_mixpanel, 3)
    assert {"page", "Product Viewed", "Purchase"} <= set(names(events))
    assert_mixpanel_shapes(events)
    purchase = next(e for e in events if e["event"] == "Purchase")
    assert purchase["properties"]["distinct_id"] == "user-ajs-1"


def test_rudderstack_v3_from_npm_delivers_and_keeps_sending_after_reset(
    site, shopper, signal, fake_mixpanel
):
    # when a visitor's RudderStack SDK sends, configured only by Signal, and logs out
    run = run_sdk(site, shopper, signal, "rudderstack", RUDDERSTACK_CALLS)
    # then Mixpanel gets page, view, purchase and the view after reset (userId "")
    events = wait_until(
        lambda: [e for e in fake_mixpanel.events() if after_reset(e)] and fake_mixpanel.events(),
        timeout=45,
    )
    assert_only_signal_was_asked(run, signal[0].base_url)
    assert any("/sourceConfig/" in what for what, _ in run["answers"])
    assert {"page", "Product Viewed", "Purchase"} <= set(names(events))
    assert_mixpanel_shapes(events)
    purchase = next(e for e in events if e["event"] == "Purchase")
    assert purchase["properties"]["distinct_id"] == "user-rs-1"
    (logged_out,) = [e for e in events if after_reset(e)]
    assert logged_out["properties"]["distinct_id"] != "user-rs-1"


def after_reset(event: dict) -> bool:
    return event["properties"].get("Product ID") == "after-reset"


def test_rudderstack_beacon_delivery_reaches_mixpanel(site, shopper, signal, fake_mixpanel):
    # given RudderStack with `useBeacon` (navigator.sendBeacon, key in the query)
    page, foreign, answers = shopper
    stack, _, source = signal
    tag = '<script src="/rudderstack/index.js"></script>'
    page.goto(site.page("beacon", PAGE.format(script=tag)))
    # when one event is queued and the page is left
    page.evaluate(
        """async ({key, signal}) => {
          const analytics = new rudderanalytics.RudderAnalytics();
          await new Promise((resolve) => analytics.load(key, signal, {
            configUrl: signal, useBeacon: true, logLevel: 'ERROR', onLoaded: () => resolve(),
          }));
          analytics.track('Product Viewed', {product_id: 'by-beacon'},
            {consent: {categoryPreferences: {analytics: true}}});
        }""",
        {"key": source.write_key, "signal": stack.base_url},
    )
    page.goto("about:blank")
    # then it arrives
    events = wait_until(
        lambda: [
            e for e in fake_mixpanel.events() if e["properties"].get("Product ID") == "by-beacon"
        ],
        timeout=45,
    )
    page.wait_for_timeout(500)
    assert events and foreign == []


def test_browser_sdk_events_are_located_named_and_merged_as_mixpanels_own_sdk_would(
    site, shopper, signal, fake_mixpanel
):
    # when both SDKs send from desktop Chrome
    run_sdk(site, shopper, signal, "segment", SEGMENT_CALLS)
    events = delivered(fake_mixpanel, 3)
    # then each event has the browser's address and Mixpanel's browser name
    for event in events:
        assert event["properties"]["ip"] == "127.0.0.1", event
        if event["event"] != "$identify":
            assert event["properties"]["$browser"] == "Chrome", event
    # and the anonymous visitor was merged into the user
    merges = [
        e
        for e in events
        if e["event"] == "$identify" or ({"$device_id", "$user_id"} <= set(e["properties"]))
    ]
    assert merges, [e["event"] for e in events]
    assert any(
        e["properties"].get("$user_id") == "user-ajs-1"
        or e["properties"].get("$identified_id") == "user-ajs-1"
        for e in merges
    )
