"""The sections of Amplitude's blueprint editor, in words a marketer uses.

Each form's field names are the blueprint's own keys, so the schema's problems land on the
field they name. Sections that are switches and choices live in editor_settings.py. See this
folder's README for what every key does.
"""

from typing import Any

from django import forms

from integrations.destinations._shared.editor_forms import (
    event_rule_form,
    events_section,
    switch,
    text,
)
from integrations.destinations.amplitude import editor_settings
from integrations.editor import FormSection, join_list, split_list

EventRuleForm = event_rule_form(
    1024,
    rename=(
        "Amplitude event type",
        "The event_type Amplitude receives; {name} is the page or screen name (Viewed {name} "
        "Page). Blank keeps the source name.",
    ),
    properties=(
        "Event property mappings",
        "One per line: Amplitude property = source path, with fallbacks after commas "
        "(e.g. product_id = properties.product_id, properties.sku).",
    ),
    pair_label="Amplitude property = source path",
)


class RevenueForm(forms.Form):
    enabled = switch("Track revenue", "Purchases and refunds carry Amplitude's revenue fields.")
    events = text("Purchase events", "Source events that are purchases, comma-separated.")
    refund_events = text("Refund events", "Source events that are refunds (sent negative).")
    revenue = text(
        "Revenue", "Paths of the amount, in order (properties.revenue, properties.total)."
    )
    price = text("Price", "Path of a unit price; with it Amplitude counts price × quantity.")
    quantity = text("Quantity", "Path of the quantity (default 1).")
    product_id = text("Product id", "Path of the productId (properties.product_id).")
    revenue_type = text("Revenue type", "Path of the revenueType (default purchase / refund).")
    per_product = switch(
        "One revenue event per product",
        "Each item of properties.products becomes its own event with its price and productId; "
        "the order event then carries no revenue.",
    )
    product_event = text("Per-product event type", "Default: Product Purchased.", max_length=1024)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("enabled") and not split_list(data.get("events", "")):
            self.add_error("events", "Name at least one purchase event, or turn revenue off.")
        if data.get("enabled") and not split_list(data.get("revenue", "")):
            self.add_error("revenue", "Give the revenue's path, or turn revenue off.")
        return data


_REVENUE_PATHS = ("revenue", "price", "quantity", "product_id", "revenue_type")


def _revenue_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    revenue = blueprint.get("revenue")
    if not revenue:
        return {"enabled": False, "product_event": "Product Purchased"}
    initial = {key: join_list(revenue.get(key)) for key in _REVENUE_PATHS}
    return initial | {
        "enabled": True,
        "events": join_list(revenue.get("events")),
        "refund_events": join_list(revenue.get("refund_events")),
        "per_product": revenue.get("per_product", False),
        "product_event": revenue.get("product_event", "Product Purchased"),
    }


def _store_revenue(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
    if not data["enabled"]:
        blueprint["revenue"] = None
        return
    revenue: dict[str, Any] = {
        "events": split_list(data["events"]),
        "refund_events": split_list(data["refund_events"]),
    }
    for key in _REVENUE_PATHS:
        if split_list(data[key]):
            revenue[key] = split_list(data[key])
    revenue["per_product"] = data["per_product"]
    revenue["product_event"] = data["product_event"] or "Product Purchased"
    blueprint["revenue"] = revenue


SECTIONS = (
    events_section(
        "Rules matched by type and name: rename, map event properties or drop.", EventRuleForm
    ),
    editor_settings.IDENTITY,
    editor_settings.CONSENT,
    FormSection(
        key="revenue",
        title="Revenue",
        help="Which events are purchases and refunds, and where price, quantity and revenue are.",
        form=RevenueForm,
        initial=_revenue_initial,
        store=_store_revenue,
    ),
    editor_settings.TRAITS,
    editor_settings.GROUPS,
    editor_settings.ENRICHMENT,
    editor_settings.DELIVERY,
)
