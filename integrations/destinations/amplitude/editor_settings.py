"""Amplitude's editor sections that are settings: identity, consent, user properties,
groups, enrichment and delivery (the rules and revenue are in editor.py)."""

from typing import Any

from django import forms

from integrations.editor import FormSection, join_list, split_list

KINDS = ("browser", "mobile", "server")
KIND_CHOICES = [("", "As above"), ("false", "Suppress them"), ("true", "Deliver them")]
TRUE_FALSE = [("false", "Suppress them"), ("true", "Deliver them")]


def _text(label: str, help_text: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=False, **kwargs)


def _switch(label: str, help_text: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, help_text=help_text, required=False)


class IdentityForm(forms.Form):
    user_id_fallbacks = _text(
        "User id, when the event has no userId",
        "Paths read in order, comma-separated (e.g. traits.email). Blank: only userId.",
    )
    device_id_fallbacks = _text(
        "Device id, when the event has no anonymousId or context.device.id",
        "Paths read in order, comma-separated. Ids under 5 characters are left out.",
    )

    def clean_user_id_fallbacks(self) -> list[str]:
        return split_list(self.cleaned_data["user_id_fallbacks"])

    def clean_device_id_fallbacks(self) -> list[str]:
        return split_list(self.cleaned_data["device_id_fallbacks"])


def _identity_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    identity = blueprint.get("identity") or {}
    keys = ("user_id_fallbacks", "device_id_fallbacks")
    return {key: join_list(identity.get(key)) for key in keys}


def _store_whole(key: str) -> Any:
    def store(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
        blueprint[key] = {**(blueprint.get(key) or {}), **data}

    return store


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
        max_length=1024,
        help_text="Looked up in context.consent.categoryPreferences: false suppresses the event.",
    )
    allow_missing = forms.TypedChoiceField(
        label="Events with no consent information",
        choices=TRUE_FALSE,
        coerce=lambda value: value == "true",
        help_text="What happens when an event carries no consent at all.",
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
    for kind in KINDS:
        initial[f"missing_{kind}"] = "" if kind not in by_kind else str(by_kind[kind]).lower()
    return initial


def _store_consent(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
    consent = {
        **(blueprint.get("consent") or {}),
        "category": data["category"],
        "allow_missing": data["allow_missing"],
    }
    by_kind = {k: data[f"missing_{k}"] for k in KINDS if data[f"missing_{k}"] is not None}
    if by_kind:
        consent["allow_missing_by_source_kind"] = by_kind
    else:
        consent.pop("allow_missing_by_source_kind", None)
    blueprint["consent"] = consent


class TraitsForm(forms.Form):
    identify = _switch(
        "Send identify calls", "Traits go to Amplitude's Identify API as user properties."
    )
    set_once = _text(
        "Set once", "Traits sent with $setOnce (first touch), comma-separated (e.g. createdAt)."
    )


def _traits_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    traits = blueprint.get("traits") or {}
    return {"identify": traits.get("identify", True), "set_once": join_list(traits.get("set_once"))}


def _store_traits(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
    traits = blueprint.get("traits") or {}
    blueprint["traits"] = traits | {
        "identify": data["identify"],
        "set_once": split_list(data["set_once"]),
    }


class GroupsForm(forms.Form):
    enabled = _switch("Groups", "Group calls set the user's group and the group's properties.")
    type = _text("Group type", "Amplitude's group type (e.g. company).", max_length=255)
    properties = _switch("Group properties", "Group traits go to the Group Identify API.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("enabled") and not data.get("type"):
            self.add_error("type", "Give the group type, or turn groups off.")
        return data


def _groups_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    groups = blueprint.get("groups") or {}
    return {
        "enabled": bool(groups),
        "type": groups.get("type", ""),
        "properties": groups.get("properties", True),
    }


def _store_groups(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
    enabled = data["enabled"]
    blueprint["groups"] = (
        {"type": data["type"], "properties": data["properties"]} if enabled else None
    )


class EnrichmentForm(forms.Form):
    user_agent = _switch("User agent and device", "os_name, platform and device_model.")
    library = _switch("Library", "library, from the sending library's name and version.")
    location = _switch("Location", "country, region, city and coordinates from context.location.")
    campaign = _switch("Campaign", "utm_* user properties, and initial_utm_* set once.")


def _enrichment_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    enrichment = blueprint.get("enrichment") or {}
    return {k: enrichment.get(k, True) for k in ("user_agent", "library", "location", "campaign")}


class DeliveryForm(forms.Form):
    batch_api = forms.TypedChoiceField(
        label="Events API",
        choices=[
            ("false", "HTTP V2 (/2/httpapi): real time, 30 events/s per user"),
            ("true", "Batch (/batch): high volume and backfills, 1,000 events/s per user"),
        ],
        coerce=lambda value: value == "true",
        help_text="Identify and group calls always use the Identify APIs.",
    )


def _delivery_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    value = (blueprint.get("delivery") or {}).get("batch_api", False)
    return {"batch_api": "true" if value else "false"}


IDENTITY = FormSection(
    key="identity",
    title="Identity",
    help="Where Signal finds Amplitude's user_id and device_id.",
    form=IdentityForm,
    initial=_identity_initial,
    store=_store_whole("identity"),
)
CONSENT = FormSection(
    key="consent",
    title="Consent",
    help="Events whose consent category is false are suppressed, never sent.",
    form=ConsentForm,
    initial=_consent_initial,
    store=_store_consent,
)
TRAITS = FormSection(
    key="traits",
    title="User properties",
    help="How identify traits become Amplitude user properties.",
    form=TraitsForm,
    initial=_traits_initial,
    store=_store_traits,
)
GROUPS = FormSection(
    key="groups",
    title="Groups",
    help="Amplitude groups (Accounts add-on) for B2B accounts.",
    form=GroupsForm,
    initial=_groups_initial,
    store=_store_groups,
)
ENRICHMENT = FormSection(
    key="enrichment",
    title="Enrichment",
    help="Fields Signal derives from the event's context.",
    form=EnrichmentForm,
    initial=_enrichment_initial,
    store=_store_whole("enrichment"),
)
DELIVERY = FormSection(
    key="delivery",
    title="Delivery",
    help="Which Amplitude API events go to.",
    form=DeliveryForm,
    initial=_delivery_initial,
    store=_store_whole("delivery"),
)
