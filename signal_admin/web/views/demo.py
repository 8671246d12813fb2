"""The demo storefront ("Try it on your site") and the datafly.js install snippet.

The snippet's text lives in `demo/_snippet_code.html`: the loader line
(`demo/_snippet_loader.html`) and the inline script (`demo/_snippet_init.js`). `snippet()`
renders it for code and `demo/_snippet.html` shows it for copying. The demo page runs the
same two parts, the script served as /demo/snippet.js, since its Content-Security-Policy runs
no inline script. So the snippet a user copies is the one the demo shop runs, less the
consent line: the shop's Privacy banner sends consent, as the snippet says a consent tool may.

The shop sends to a source of its own, "Demo shop", whose write key is public on the page;
it is served only when `SIGNAL_DEMO` is on (standalone by default).
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from integrations.models import Source

DEMO_SOURCE_NAME = "Demo shop"
MAX_WRITE_KEY_LENGTH = 255

PRODUCTS = [
    {
        "product_id": "p-1001",
        "sku": "LMP-AUR-01",
        "name": "Aurora Desk Lamp",
        "category": "Home",
        "price": "49.00",
        "blurb": "Warm, dimmable light with a brushed brass arm.",
        "hue": 38,
    },
    {
        "product_id": "p-1002",
        "sku": "BAG-CNV-02",
        "name": "Canvas Weekender",
        "category": "Travel",
        "price": "89.00",
        "blurb": "Waxed canvas, leather handles, fits a long weekend.",
        "hue": 150,
    },
    {
        "product_id": "p-1003",
        "sku": "KIT-POV-03",
        "name": "Ceramic Pour-Over Set",
        "category": "Kitchen",
        "price": "34.50",
        "blurb": "Hand-glazed dripper and carafe for two cups.",
        "hue": 12,
    },
    {
        "product_id": "p-1004",
        "sku": "APP-BNE-04",
        "name": "Merino Beanie",
        "category": "Apparel",
        "price": "24.00",
        "blurb": "Soft, warm and itch-free fine merino wool.",
        "hue": 215,
    },
    {
        "product_id": "p-1005",
        "sku": "DSK-WPS-05",
        "name": "Walnut Phone Stand",
        "category": "Desk",
        "price": "19.99",
        "blurb": "Solid walnut, angled just right for video calls.",
        "hue": 28,
    },
    {
        "product_id": "p-1006",
        "sku": "OUT-BTL-06",
        "name": "Trail Water Bottle",
        "category": "Outdoors",
        "price": "27.00",
        "blurb": "Insulated steel keeps drinks cold for 24 hours.",
        "hue": 265,
    },
]

for _product in PRODUCTS:
    _product["initials"] = "".join(word[0] for word in _product["name"].split()[:2])


def snippet(write_key: str, host: str, consent: bool = True) -> str:
    """The datafly.js install snippet for a write key, loading the script from `host`.

    Safe to put straight into a page: the values are HTML-escaped and backslash-escaped, so
    no value can end the JavaScript string or the script. Signal's write keys are URL-safe
    and appear unchanged. `consent=False` leaves out the consent line, as the demo shop runs
    it (its own banner sends consent, as the snippet tells a site with a consent tool to do).
    """
    context = {"write_key": write_key, "host": host.rstrip("/"), "without_consent": not consent}
    return render_to_string("demo/_snippet_code.html", context).strip()


def site_host(request: HttpRequest) -> str:
    """This Signal's origin as the browser sees it, e.g. http://127.0.0.1:8084."""
    return request.build_absolute_uri("/").rstrip("/")


def demo_source() -> Source:
    """The shop's own browser source, made on first use; never a user's real source."""
    source, _ = Source.objects.get_or_create(
        name=DEMO_SOURCE_NAME, defaults={"kind": Source.BROWSER}
    )
    return source


def require_demo() -> None:
    if not settings.SIGNAL_DEMO:
        raise Http404("The demo shop is off (SIGNAL_DEMO).")


def requested_write_key(request: HttpRequest) -> str:
    return request.GET.get("writeKey", "").strip()[:MAX_WRITE_KEY_LENGTH]


def shop(request: HttpRequest) -> HttpResponse:
    """The demo storefront: public, like any shop a visitor would click around in."""
    require_demo()
    requested = requested_write_key(request)
    if requested:
        write_key = requested
        source = Source.objects.filter(write_key=requested).first()
    else:
        source = demo_source()
        write_key = source.write_key
    context = {
        "write_key": write_key,
        "host": site_host(request),
        "source": source,
        "unknown_key": source is None,
        "products": PRODUCTS,
    }
    return render(request, "demo/shop.html", context)


def snippet_js(request: HttpRequest) -> HttpResponse:
    """The install snippet's inline script as a file, for the demo page's ?writeKey=."""
    require_demo()
    write_key = requested_write_key(request) or demo_source().write_key
    # Without the snippet's consent line: the shop's Privacy banner is its consent tool.
    context = {"write_key": write_key, "host": site_host(request), "without_consent": True}
    response = HttpResponse(
        render_to_string("demo/_snippet_init.js", context),
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response
