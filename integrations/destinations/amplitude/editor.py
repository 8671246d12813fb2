"""The sections of Amplitude's blueprint editor, in words a marketer uses.

Each form's field names are the blueprint's own keys, so the schema's problems land on the
field they name. Sections that are switches and choices live in editor_settings.py. See this
folder's README for what every key does.
"""

from typing import Any

from django import forms

from integrations.destinations.amplitude import editor_settings
from integrations.editor import (
    FormSection,
    LinesField,
    RowsSection,
    format_pairs,
    join_list,
    parse_pairs,
    paths,
    split_list,
)


def text(label: str, help_text: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=False, **kwargs)


def switch(label: str, help_text: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, help_text=help_text, required=False)


class EventRuleForm(forms.Form):
    type = forms.ChoiceField(
        label="Source type",
        choices=[("track", "track"), ("page", "page"), ("screen", "screen")],
        initial="track",  # so an untouched blank row reads as unchanged, and is left out
        help_text="The kind of call this rule matches.",
    )
    name = text(
        "Source event",
        "The track's event name (or the page or screen name). Blank matches every one of this "
        "type.",
        max_length=1024,
    )
    rename = text(
        "Amplitude event type",
        "The event_type Amplitude receives; {name} is the page or screen name (Viewed {name} "
        "Page). Blank keeps the source name.",
        max_length=1024,
    )
    properties = LinesField(
        label="Event property mappings",
        help_text="One per line: Amplitude property = source path, with fallbacks after commas "
        "(e.g. product_id = properties.product_id, properties.sku).",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "code-input", "spellcheck": "false"}),
    )
    keep_unmapped = switch(
        "Also send unmapped properties", "Properties no mapping reads are sent as they are."
    )
    keep_unmapped.initial = True
    drop = switch("Drop this event", "Never send events this rule matches (recorded as filtered).")

    def clean_properties(self) -> dict[str, Any]:
        pairs = parse_pairs(self.cleaned_data["properties"], "Amplitude property = source path")
        return {name: paths(value) for name, value in pairs.items()}


def _rule_initial(rule: dict[str, Any]) -> dict[str, Any]:
    match = rule.get("match", {})
    return {
        "type": match.get("type", "track"),
        "name": match.get("name") or "",
        "rename": rule.get("rename") or "",
        "properties": format_pairs(rule.get("properties")),
        "keep_unmapped": rule.get("keep_unmapped", True),
        "drop": rule.get("drop", False),
    }


def _rule(data: dict[str, Any]) -> dict[str, Any]:
    match = {"type": data["type"]} | ({"name": data["name"]} if data["name"] else {})
    rule: dict[str, Any] = {"match": match}
    if data["rename"]:
        rule["rename"] = data["rename"]
    if data["properties"]:
        rule["properties"] = data["properties"]
    if not data["keep_unmapped"]:
        rule["keep_unmapped"] = False
    if data["drop"]:
        rule["drop"] = True
    return rule


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
    RowsSection(
        key="events",
        title="Events",
        help="Rules matched by type and name: rename, map event properties or drop.",
        form=EventRuleForm,
        initial=_rule_initial,
        item=_rule,
        field_of={
            "match.type": "type",
            "match.name": "name",
            "match": "name",
            "rename": "rename",
            "properties": "properties",
            "keep_unmapped": "keep_unmapped",
            "drop": "drop",
        },
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
