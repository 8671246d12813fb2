"""The sections of Mixpanel's blueprint editor, in words a marketer uses.

Each form's field names are the blueprint's own keys, so the schema's problems land on the
field they name. See this folder's README for what every key does.
"""

from typing import Any

from django import forms

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


def _text(label: str, help_text: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=False, **kwargs)


def _lines(label: str, help_text: str, rows: int = 3) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows, "class": "code-input", "spellcheck": "false"})
    return LinesField(label=label, help_text=help_text, required=False, widget=widget)


def _switch(label: str, help_text: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, help_text=help_text, required=False)


# Events: one row per rule, first match wins.


class EventRuleForm(forms.Form):
    type = forms.ChoiceField(
        label="Source type",
        choices=[("track", "track"), ("page", "page"), ("screen", "screen")],
        initial="track",  # so an untouched blank row reads as unchanged, and is left out
        help_text="The kind of call this rule matches.",
    )
    name = _text(
        "Source event",
        "The track's event name (or the page or screen name). "
        "Blank matches every one of this type.",
        max_length=255,
    )
    rename = _text(
        "Mixpanel event",
        "The name Mixpanel receives. Blank keeps the source name; may not start with $.",
        max_length=255,
    )
    properties = _lines(
        "Property mappings",
        "One per line: Mixpanel property = source path, with fallbacks after commas "
        "(e.g. Revenue = properties.total, properties.revenue).",
    )
    numeric = _text(
        "Send as numbers",
        "Mapped Mixpanel properties sent as numbers, comma-separated (e.g. Price, Quantity).",
    )
    keep_unmapped = _switch(
        "Also send unmapped properties", "Properties no mapping reads are sent as they are."
    )
    keep_unmapped.initial = True
    drop = _switch("Drop this event", "Never send events this rule matches (recorded as filtered).")

    def clean_properties(self) -> dict[str, Any]:
        pairs = parse_pairs(self.cleaned_data["properties"], "Mixpanel property = source path")
        return {name: paths(value) for name, value in pairs.items()}


def _rule_initial(rule: dict[str, Any]) -> dict[str, Any]:
    match = rule.get("match", {})
    return {
        "type": match.get("type", "track"),
        "name": match.get("name") or "",
        "rename": rule.get("rename") or "",
        "properties": format_pairs(rule.get("properties")),
        "numeric": join_list(rule.get("numeric")),
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
    if split_list(data["numeric"]):
        rule["numeric"] = split_list(data["numeric"])
    if not data["keep_unmapped"]:
        rule["keep_unmapped"] = False
    if data["drop"]:
        rule["drop"] = True
    return rule


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
    user_id_fallbacks = _text(
        "User id, when the event has no userId",
        "Paths read in order, comma-separated (e.g. traits.email, context.traits.email). "
        "Blank: only userId.",
    )
    anonymous_id_fallbacks = _text(
        "Anonymous id, when the event has no anonymousId",
        "Paths read in order, comma-separated (e.g. context.device.id). Blank: only anonymousId.",
    )

    def clean_user_id_fallbacks(self) -> list[str]:
        return split_list(self.cleaned_data["user_id_fallbacks"])

    def clean_anonymous_id_fallbacks(self) -> list[str]:
        return split_list(self.cleaned_data["anonymous_id_fallbacks"])


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


KIND_CHOICES = [("", "As above"), ("false", "Suppress them"), ("true", "Deliver them")]
KINDS = (("browser", "browser"), ("mobile", "mobile app"), ("server", "server"))


def _kind_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=f"… from {label} sources",
        choices=KIND_CHOICES,
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
        help_text=f"Overrides the choice above for events sent by {label} sources.",
    )


class ConsentForm(forms.Form):
    category = forms.CharField(
        label="Consent category",
        max_length=255,
        help_text="Looked up in context.consent.categoryPreferences: false suppresses the event.",
    )
    allow_missing = forms.TypedChoiceField(
        label="Events with no consent information",
        choices=[("false", "Suppress them"), ("true", "Deliver them")],
        coerce=lambda value: value == "true",
        help_text=(
            "What happens when an event carries no consent at all. Suppress where consent "
            "is required; deliver where your site collects it elsewhere or needs none."
        ),
    )
    missing_browser = _kind_field("browser")
    missing_mobile = _kind_field("mobile app")
    missing_server = _kind_field("server")


def _consent_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    consent = blueprint.get("consent") or {}
    by_kind = consent.get("allow_missing_by_source_kind") or {}
    initial = {
        "category": consent.get("category", "analytics"),
        "allow_missing": "true" if consent.get("allow_missing", False) else "false",
    }
    for kind, _ in KINDS:
        initial[f"missing_{kind}"] = "" if kind not in by_kind else str(by_kind[kind]).lower()
    return initial


def _store_consent(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
    consent = {
        **(blueprint.get("consent") or {}),
        "category": data["category"],
        "allow_missing": data["allow_missing"],
    }
    by_kind = {k: data[f"missing_{k}"] for k, _ in KINDS if data[f"missing_{k}"] is not None}
    if by_kind:
        consent["allow_missing_by_source_kind"] = by_kind
    else:
        consent.pop("allow_missing_by_source_kind", None)
    blueprint["consent"] = consent


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


def _store_in(key: str) -> Any:
    def store(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
        blueprint[key] = {**(blueprint.get(key) or {}), **data}

    return store


# Revenue.


class RevenueForm(forms.Form):
    enabled = _switch(
        "Track revenue", "Purchases carry $amount and update the buyer's $transactions."
    )
    events = _text("Purchase events", "Source events that are purchases, comma-separated.")
    amount = _text(
        "Amount", "Source path of the amount, with fallbacks after commas (properties.total)."
    )
    currency = _text("Currency", "Source path of the currency code (properties.currency).")
    order_id = _text("Order id", "Source path of the order id (properties.order_id).")
    product_ids = _text(
        "Product ids", "Source path of the product ids (properties.products[].product_id)."
    )
    transactions = _switch(
        "Add to the buyer's $transactions",
        "Each purchase also appends to the user profile's $transactions list.",
    )
    refund_events = _text(
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
    profiles = _switch(
        "Update profiles", "Identify and group traits are sent to /engage and /groups."
    )
    anonymous_profiles = _switch(
        "Profiles for anonymous users too",
        "Off: only users with a userId get profiles, as Mixpanel recommends.",
    )
    reserved = _lines(
        "Reserved properties",
        "One per line: trait = Mixpanel property (e.g. email = $email).",
        rows=6,
    )
    set_once = _text(
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
    enabled = _switch("Group analytics", "Group calls update Mixpanel group profiles.")
    key = _text("Group key", "The group key set up in Mixpanel (e.g. company_id).", max_length=255)

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
    page = _switch("Page", "$current_url, $referrer and $referring_domain from the page.")
    user_agent = _switch("User agent and device", "$browser, $os, $device and the mobile context.")
    campaign = _switch("Campaign", "utm_* parameters, click ids, $search_engine and mp_keyword.")
    library = _switch("Library", "mp_lib and $lib_version from the sending library.")


def _enrichment_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    enrichment = blueprint.get("enrichment") or {}
    return {k: enrichment.get(k, True) for k in ("page", "user_agent", "campaign", "library")}


SECTIONS = (
    RowsSection(
        key="events",
        title="Events",
        help="Rules matched in order, first match wins: rename, map properties or drop.",
        form=EventRuleForm,
        initial=_rule_initial,
        item=_rule,
        field_of={
            "match.type": "type",
            "match.name": "name",
            "match": "name",
            "rename": "rename",
            "properties": "properties",
            "numeric": "numeric",
            "keep_unmapped": "keep_unmapped",
            "drop": "drop",
        },
    ),
    FormSection(
        key="identity",
        title="Identity",
        help="How Mixpanel links anonymous and known users.",
        form=IdentityForm,
        initial=_identity_initial,
        store=_store_identity,
    ),
    FormSection(
        key="consent",
        title="Consent",
        help="Events whose consent category is false are suppressed, never sent.",
        form=ConsentForm,
        initial=_consent_initial,
        store=_store_consent,
    ),
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
        initial=_enrichment_initial,
        store=_store_in("enrichment"),
    ),
    FormSection(
        key="delivery",
        title="Delivery",
        help="Which Mixpanel endpoint events go to.",
        form=DeliveryForm,
        initial=_choices_initial("delivery", "always_import", False),
        store=_store_in("delivery"),
    ),
)
