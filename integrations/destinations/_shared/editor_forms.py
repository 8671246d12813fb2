"""Blueprint editor pieces every destination shares: field helpers, the event rules' rows
and the consent section.

Each form's field names are the blueprint's own keys, so the schema's problems land on the
field they name. What differs between destinations (a name's longest length, the words for
the destination's own event and properties, extra fields) is passed in.
"""

from collections.abc import Callable
from typing import Any

from django import forms

from integrations.editor import (
    FormSection,
    LinesField,
    RowsSection,
    format_pairs,
    parse_pairs,
    paths,
    split_list,
)

Initial = Callable[[dict[str, Any]], dict[str, Any]]
Store = Callable[[dict[str, Any], dict[str, Any]], None]

KIND_CHOICES = [("", "As above"), ("false", "Suppress them"), ("true", "Deliver them")]
KINDS = (("browser", "browser"), ("mobile", "mobile app"), ("server", "server"))


def text(label: str, help_text: str, **kwargs: Any) -> forms.CharField:
    """An optional one-line text field."""
    return forms.CharField(label=label, help_text=help_text, required=False, **kwargs)


def lines(label: str, help_text: str, rows: int = 3) -> forms.CharField:
    """An optional multi-line field for `key = value` lines, in a code font."""
    widget = forms.Textarea(attrs={"rows": rows, "class": "code-input", "spellcheck": "false"})
    return LinesField(label=label, help_text=help_text, required=False, widget=widget)


def switch(label: str, help_text: str) -> forms.BooleanField:
    """An optional on/off switch (unchecked is off)."""
    return forms.BooleanField(label=label, help_text=help_text, required=False)


def list_cleaner(name: str) -> Callable[[forms.Form], list[str]]:
    """A `clean_<name>` method reading a comma-separated field as a list."""

    def clean(self: forms.Form) -> list[str]:
        return split_list(self.cleaned_data[name])

    return clean


def store_in(key: str) -> Store:
    """A store that writes a form's cleaned data over the blueprint's `key` object."""

    def store(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
        blueprint[key] = {**(blueprint.get(key) or {}), **data}

    return store


def switches_initial(key: str, names: tuple[str, ...]) -> Initial:
    """The initial values of a form of switches that are on by default."""

    def initial(blueprint: dict[str, Any]) -> dict[str, Any]:
        values = blueprint.get(key) or {}
        return {name: values.get(name, True) for name in names}

    return initial


# Events: one row per rule, first match wins.


def event_rule_form(
    limit: int,
    *,
    rename: tuple[str, str],
    properties: tuple[str, str],
    pair_label: str,
    **more: forms.Field,
) -> type[forms.Form]:
    """The form of one event rule: `rename` and `properties` are (label, help) in the
    destination's words; `pair_label` names a mapping line in its errors; `more` are the
    destination's own fields, shown after the mappings."""
    drop = "Never send events this rule matches (recorded as filtered)."
    keep_unmapped = switch(
        "Also send unmapped properties", "Properties no mapping reads are sent as they are."
    )
    keep_unmapped.initial = True
    fields = {
        "type": forms.ChoiceField(
            label="Source type",
            choices=[("track", "track"), ("page", "page"), ("screen", "screen")],
            initial="track",  # so an untouched blank row reads as unchanged, and is left out
            help_text="The kind of call this rule matches.",
        ),
        "name": text(
            "Source event",
            "The track's event name (or the page or screen name). "
            "Blank matches every one of this type.",
            max_length=limit,
        ),
        "rename": text(*rename, max_length=limit),
        "properties": lines(*properties),
        **more,
        "keep_unmapped": keep_unmapped,
        "drop": switch("Drop this event", drop),
    }

    def clean_properties(self: forms.Form) -> dict[str, Any]:
        pairs = parse_pairs(self.cleaned_data["properties"], pair_label)
        return {name: paths(value) for name, value in pairs.items()}

    return type("EventRuleForm", (forms.Form,), {**fields, "clean_properties": clean_properties})


def rule_initial(rule: dict[str, Any]) -> dict[str, Any]:
    """One rule's row, for the fields every destination has."""
    match = rule.get("match", {})
    return {
        "type": match.get("type", "track"),
        "name": match.get("name") or "",
        "rename": rule.get("rename") or "",
        "properties": format_pairs(rule.get("properties")),
        "keep_unmapped": rule.get("keep_unmapped", True),
        "drop": rule.get("drop", False),
    }


def rule_item(data: dict[str, Any], more: dict[str, Any] | None = None) -> dict[str, Any]:
    """One row's rule, defaults left out; `more` (the destination's own keys) goes after
    the mappings, so a saved blueprint keeps its key order."""
    match = {"type": data["type"]} | ({"name": data["name"]} if data["name"] else {})
    rule: dict[str, Any] = {"match": match}
    if data["rename"]:
        rule["rename"] = data["rename"]
    if data["properties"]:
        rule["properties"] = data["properties"]
    rule.update(more or {})
    if not data["keep_unmapped"]:
        rule["keep_unmapped"] = False
    if data["drop"]:
        rule["drop"] = True
    return rule


def events_section(
    help: str,
    form: type[forms.Form],
    initial: Callable[[Any], dict[str, Any]] = rule_initial,
    item: Callable[[dict[str, Any]], Any] = rule_item,
    more: tuple[str, ...] = (),
) -> RowsSection:
    """The Events section; `more` names the form's own fields, each its rule key."""
    field_of = {
        "match.type": "type",
        "match.name": "name",
        "match": "name",
        "rename": "rename",
        "properties": "properties",
        **{name: name for name in more},
        "keep_unmapped": "keep_unmapped",
        "drop": "drop",
    }
    return RowsSection(
        key="events",
        title="Events",
        help=help,
        form=form,
        initial=initial,
        item=item,
        field_of=field_of,
    )


# Consent: the category, and what to do without consent, overall and by source kind.


def _kind_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=f"… from {label} sources",
        choices=KIND_CHOICES,
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
        help_text=f"Overrides the choice above for events sent by {label} sources.",
    )


def consent_form(limit: int, missing_help: str) -> type[forms.Form]:
    """The consent form: `limit` is the category's longest length, `missing_help` explains
    the choice for events with no consent information."""
    fields = {
        "category": forms.CharField(
            label="Consent category",
            max_length=limit,
            help_text=(
                "Looked up in context.consent.categoryPreferences: false suppresses the event."
            ),
        ),
        "allow_missing": forms.TypedChoiceField(
            label="Events with no consent information",
            choices=[("false", "Suppress them"), ("true", "Deliver them")],
            coerce=lambda value: value == "true",
            help_text=missing_help,
        ),
        **{f"missing_{kind}": _kind_field(label) for kind, label in KINDS},
    }
    return type("ConsentForm", (forms.Form,), fields)


def consent_initial(blueprint: dict[str, Any]) -> dict[str, Any]:
    consent = blueprint.get("consent") or {}
    by_kind = consent.get("allow_missing_by_source_kind") or {}
    initial = {
        "category": consent.get("category", "analytics"),
        "allow_missing": "true" if consent.get("allow_missing", False) else "false",
    }
    for kind, _ in KINDS:
        initial[f"missing_{kind}"] = "" if kind not in by_kind else str(by_kind[kind]).lower()
    return initial


def store_consent(blueprint: dict[str, Any], data: dict[str, Any]) -> None:
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


def consent_section(form: type[forms.Form]) -> FormSection:
    """The Consent section, with the destination's consent form."""
    return FormSection(
        key="consent",
        title="Consent",
        help="Events whose consent category is false are suppressed, never sent.",
        form=form,
        initial=consent_initial,
        store=store_consent,
    )
