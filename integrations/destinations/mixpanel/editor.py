"""The sections of Mixpanel's blueprint editor, in words a marketer uses.

Each form's field names are the blueprint's own keys, so the schema's problems land on the
field they name. See this folder's README for what every key does.
"""

from typing import Any

from django import forms

from integrations.destinations._shared.editor_forms import (
    consent_form,
    consent_section,
    event_rule_form,
    events_section,
    lines,
    list_cleaner,
    rule_initial,
    rule_item,
    store_in,
    switch,
    switches_initial,
    text,
)
from integrations.editor import (
    FormSection,
    format_pairs,
    join_list,
    parse_pairs,
    paths,
    split_list,
)

# Events: one row per rule, first match wins.

EventRuleForm = event_rule_form(
    255,
    rename=(
        "Mixpanel event",
        "The name Mixpanel receives. Blank keeps the source name; may not start with $.",
    ),
    properties=(
        "Property mappings",
        "One per line: Mixpanel property = source path, with fallbacks after commas "
        "(e.g. Revenue = properties.total, properties.revenue).",
    ),
    pair_label="Mixpanel property = source path",
    numeric=text(
        "Send as numbers",
        "Mapped Mixpanel properties sent as numbers, comma-separated (e.g. Price, Quantity).",
    ),
)


def _rule_initial(rule: dict[str, Any]) -> dict[str, Any]:
    return rule_initial(rule) | {"numeric": join_list(rule.get("numeric"))}


def _rule(data: dict[str, Any]) -> dict[str, Any]:
    numeric = split_list(data["numeric"])
    return rule_item(data, {"numeric": numeric} if numeric else None)


# Identity, consent and delivery: one choice each.


class IdentityForm(forms.Form):
    mode = forms.ChoiceField(
        label="ID merge",
        choices=[
            ("original", "Original ID Merge: $identify and $merge link the anonymous id"),
            ("simplified", "Simplified ID Merge: $device_id and $user_id on every event"),
        ],
        help_text="Match your Mixpanel project: Project Settings > Identity Merge.",
    )
    user_id_fallbacks = text(
        "User id, when the event has no userId",
        "Paths read in order, comma-separated (e.g. traits.email, context.traits.email). "
        "Blank: only userId.",
    )
    anonymous_id_fallbacks = text(
        "Anonymous id, when the event has no anonymousId",
        "Paths read in order, comma-separated (e.g. context.device.id). Blank: only anonymousId.",
    )

    clean_user_id_fallbacks = list_cleaner("user_id_fallbacks")
    clean_anonymous_id_fallbacks = list_cleaner("anonymous_id_fallbacks")


def _identity_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    identity = blueprint.get("identity") or {}
    return {
        "mode": identity.get("mode", "original"),
        "user_id_fallbacks": join_list(identity.get("user_id_fallbacks")),
        "anonymous_id_fallbacks": join_list(identity.get("anonymous_id_fallbacks")),
    }


def _store_identity(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
    identity = {**(blueprint.get("identity") or {}), "mode": data["mode"]}
    for key in ("user_id_fallbacks", "anonymous_id_fallbacks"):
        if data[key]:
            identity[key] = data[key]
        else:
            identity.pop(key, None)
    blueprint["identity"] = identity


ConsentForm = consent_form(
    255,
    "What happens when an event carries no consent at all. Suppress where consent "
    "is required; deliver where your site collects it elsewhere or needs none.",
)


class DeliveryForm(forms.Form):
    always_import = forms.TypedChoiceField(
        label="Endpoint",
        choices=[
            ("false", "/track for recent events, /import for older ones"),
            ("true", "/import for every event (strict, for backfills)"),
        ],
        coerce=lambda value: value == "true",
        help_text=(
            "/track takes events up to 5 days old; /import takes any age, with the API secret."
        ),
    )


def _choices_initial(key: str, name: str, default: Any) -> Any:
    def initial(blueprint: dict[str, Any]) -> dict[str, Any]:
        value = (blueprint.get(key) or {}).get(name, default)
        return {name: ("true" if value else "false") if isinstance(value, bool) else value}

    return initial


# Revenue.


class RevenueForm(forms.Form):
    enabled = switch(
        "Track revenue", "Purchases carry $amount and update the buyer's $transactions."
    )
    events = text("Purchase events", "Source events that are purchases, comma-separated.")
    amount = text(
        "Amount", "Source path of the amount, with fallbacks after commas (properties.total)."
    )
    currency = text("Currency", "Source path of the currency code (properties.currency).")
    order_id = text("Order id", "Source path of the order id (properties.order_id).")
    product_ids = text(
        "Product ids", "Source path of the product ids (properties.products[].product_id)."
    )
    transactions = switch(
        "Add to the buyer's $transactions",
        "Each purchase also appends to the user profile's $transactions list.",
    )
    refund_events = text(
        "Refund events",
        "Source events that are refunds (a negative $transactions entry), comma-separated.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("enabled") and not split_list(data.get("events", "")):
            self.add_error("events", "Name at least one purchase event, or turn revenue off.")
        if data.get("enabled") and not split_list(data.get("amount", "")):
            self.add_error("amount", "Give the amount's path, or turn revenue off.")
        return data


def _revenue_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    revenue = blueprint.get("revenue")
    if not revenue:
        return {"enabled": False, "transactions": True}
    return {
        "enabled": True,
        "events": join_list(revenue.get("events")),
        "amount": join_list(revenue.get("amount")),
        "currency": join_list(revenue.get("currency")),
        "order_id": join_list(revenue.get("order_id")),
        "product_ids": join_list(revenue.get("product_ids")),
        "transactions": revenue.get("transactions", True),
        "refund_events": join_list(revenue.get("refund_events")),
    }


def _store_revenue(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
    if not data["enabled"]:
        blueprint["revenue"] = None
        return
    revenue: dict[str, Any] = {"events": split_list(data["events"])}
    if split_list(data["refund_events"]):
        revenue["refund_events"] = split_list(data["refund_events"])
    for key in ("amount", "currency", "order_id", "product_ids"):
        if paths(data[key]) is not None:
            revenue[key] = paths(data[key])
    revenue["transactions"] = data["transactions"]
    blueprint["revenue"] = revenue


# Profiles, groups, enrichment.


class TraitsForm(forms.Form):
    profiles = switch(
        "Update profiles", "Identify and group traits are sent to /engage and /groups."
    )
    anonymous_profiles = switch(
        "Profiles for anonymous users too",
        "Off: only users with a userId get profiles, as Mixpanel recommends.",
    )
    reserved = lines(
        "Reserved properties",
        "One per line: trait = Mixpanel property (e.g. email = $email).",
        rows=6,
    )
    set_once = text(
        "Set once",
        "Traits sent with $set_once (first touch), comma-separated (e.g. created_at).",
    )

    def clean_reserved(self) -> dict[str, str]:
        return parse_pairs(self.cleaned_data["reserved"], "trait = Mixpanel property")


def _traits_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    traits = blueprint.get("traits") or {}
    return {
        "profiles": traits.get("profiles", True),
        "anonymous_profiles": traits.get("anonymous_profiles", False),
        "reserved": format_pairs(traits.get("reserved")),
        "set_once": join_list(traits.get("set_once")),
    }


def _store_traits(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
    blueprint["traits"] = {
        **(blueprint.get("traits") or {}),
        "profiles": data["profiles"],
        "anonymous_profiles": data["anonymous_profiles"],
        "reserved": data["reserved"],
        "set_once": split_list(data["set_once"]),
    }


class GroupsForm(forms.Form):
    enabled = switch("Group analytics", "Group calls update Mixpanel group profiles.")
    key = text("Group key", "The group key set up in Mixpanel (e.g. company_id).", max_length=255)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("enabled") and not data.get("key"):
            self.add_error("key", "Give the group key, or turn group analytics off.")
        return data


def _groups_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    groups = blueprint.get("groups")
    return {"enabled": bool(groups), "key": (groups or {}).get("key", "")}


def _store_groups(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
    blueprint["groups"] = {"key": data["key"]} if data["enabled"] else None


class EnrichmentForm(forms.Form):
    page = switch("Page", "$current_url, $referrer and $referring_domain from the page.")
    user_agent = switch("User agent and device", "$browser, $os, $device and the mobile context.")
    campaign = switch("Campaign", "utm_* parameters, click ids, $search_engine and mp_keyword.")
    library = switch("Library", "mp_lib and $lib_version from the sending library.")


SECTIONS = (
    events_section(
        "Rules matched in order, first match wins: rename, map properties or drop.",
        EventRuleForm,
        _rule_initial,
        _rule,
        more=("numeric",),
    ),
    FormSection(
        key="identity",
        title="Identity",
        help="How Mixpanel links anonymous and known users.",
        form=IdentityForm,
        initial=_identity_initial,
        store=_store_identity,
    ),
    consent_section(ConsentForm),
    FormSection(
        key="revenue",
        title="Revenue",
        help="Which events are purchases and refunds, and where their amounts are.",
        form=RevenueForm,
        initial=_revenue_initial,
        store=_store_revenue,
    ),
    FormSection(
        key="traits",
        title="Profiles",
        help="User traits and the Mixpanel profile properties they become.",
        form=TraitsForm,
        initial=_traits_initial,
        store=_store_traits,
    ),
    FormSection(
        key="groups",
        title="Groups",
        help="Group analytics for B2B accounts.",
        form=GroupsForm,
        initial=_groups_initial,
        store=_store_groups,
    ),
    FormSection(
        key="enrichment",
        title="Enrichment",
        help="Properties Signal derives from the event's context.",
        form=EnrichmentForm,
        initial=switches_initial("enrichment", ("page", "user_agent", "campaign", "library")),
        store=store_in("enrichment"),
    ),
    FormSection(
        key="delivery",
        title="Delivery",
        help="Which Mixpanel endpoint events go to.",
        form=DeliveryForm,
        initial=_choices_initial("delivery", "always_import", False),
        store=store_in("delivery"),
    ),
)
