"""Amplitude's editor sections that are settings: identity, consent, user properties,
groups, enrichment and delivery (the rules and revenue are in editor.py)."""

from typing import Any

from django import forms

from integrations.destinations._shared.editor_forms import (
    consent_form,
    consent_section,
    list_cleaner,
    store_in,
    switch,
    switches_initial,
    text,
)
from integrations.editor import FormSection, join_list, split_list


class IdentityForm(forms.Form):
    user_id_fallbacks = text(
        "User id, when the event has no userId",
        "Paths read in order, comma-separated (e.g. traits.email). Blank: only userId.",
    )
    device_id_fallbacks = text(
        "Device id, when the event has no anonymousId or context.device.id",
        "Paths read in order, comma-separated. Ids under 5 characters are left out.",
    )

    clean_user_id_fallbacks = list_cleaner("user_id_fallbacks")
    clean_device_id_fallbacks = list_cleaner("device_id_fallbacks")


def _identity_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    identity = blueprint.get("identity") or {}
    keys = ("user_id_fallbacks", "device_id_fallbacks")
    return {key: join_list(identity.get(key)) for key in keys}


ConsentForm = consent_form(1024, "What happens when an event carries no consent at all.")


class TraitsForm(forms.Form):
    identify = switch(
        "Send identify calls", "Traits go to Amplitude's Identify API as user properties."
    )
    set_once = text(
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
    enabled = switch("Groups", "Group calls set the user's group and the group's properties.")
    type = text("Group type", "Amplitude's group type (e.g. company).", max_length=255)
    properties = switch("Group properties", "Group traits go to the Group Identify API.")

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
    user_agent = switch("User agent and device", "os_name, platform and device_model.")
    library = switch("Library", "library, from the sending library's name and version.")
    location = switch("Location", "country, region, city and coordinates from context.location.")
    campaign = switch("Campaign", "utm_* user properties, and initial_utm_* set once.")


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
    store=store_in("identity"),
)
CONSENT = consent_section(ConsentForm)
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
    initial=switches_initial("enrichment", ("user_agent", "library", "location", "campaign")),
    store=store_in("enrichment"),
)
DELIVERY = FormSection(
    key="delivery",
    title="Delivery",
    help="Which Amplitude API events go to.",
    form=DeliveryForm,
    initial=_delivery_initial,
    store=store_in("delivery"),
)
