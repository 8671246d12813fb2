"""The form-based blueprint editor, generic: a destination describes its sections, this binds them.

A destination lists its editor's sections (`Destination.editor_sections`): each is a Django
form over one part of the blueprint (`FormSection`), or a formset of rows (`RowsSection`, for
rules). Building the blueprint back from the forms only rewrites what the admin changed, so
loading and saving with no edit gives back the blueprint byte for byte. The destination's
schema then checks the result, and its problems are put on the fields they name.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms import formset_factory

from integrations.blueprint_paths import path_parts

ROW_BOOKKEEPING = {"ORDER", "DELETE", "index"}


@dataclass(frozen=True)
class FormSection:
    """One part of the blueprint edited with one form whose field names are its keys."""

    key: str
    title: str
    help: str
    form: type[forms.Form]
    initial: Callable[[dict[str, Any]], dict[str, Any]]
    store: Callable[[dict[str, Any], dict[str, Any]], None]  # (blueprint, cleaned_data)
    rows = False


@dataclass(frozen=True)
class RowsSection:
    """A list in the blueprint (`blueprint[key]`) edited as rows: add, remove, reorder."""

    key: str
    title: str
    help: str
    form: type[forms.Form]
    initial: Callable[[Any], dict[str, Any]]  # one item -> its row's initial data
    item: Callable[[dict[str, Any]], Any]  # one row's cleaned_data -> its item
    field_of: dict[str, str] = field(default_factory=dict)  # item path -> row field
    rows = True


class RowIndex(forms.Form):
    """The position a row had in the saved blueprint, so unchanged rows are kept as they were."""

    index = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)


@dataclass
class Bound:
    """A section bound to the request's data (or to the saved blueprint)."""

    section: FormSection | RowsSection
    form: Any  # a Form, or a FormSet for rows
    problems: list[str] = field(default_factory=list)  # schema problems with no field

    @property
    def key(self) -> str:
        return self.section.key

    def is_valid(self) -> bool:
        return self.form.is_valid()


def bind(sections, blueprint: dict[str, Any], data: Any = None) -> list[Bound]:
    """Each section's form, with initial values from `blueprint` and `data` when posted."""
    bound = []
    for section in sections:
        if section.rows:
            items = blueprint.get(section.key) or []
            row_form = type(f"{section.key.title()}Row", (section.form, RowIndex), {})
            formset = formset_factory(row_form, extra=1, can_delete=True, can_order=True)
            initial = [section.initial(item) | {"index": i} for i, item in enumerate(items)]
            form = formset(data, initial=initial, prefix=section.key)
        else:
            form = section.form(data, initial=section.initial(blueprint), prefix=section.key)
        bound.append(Bound(section, form))
    return bound


def build(bound: list[Bound], saved: dict[str, Any]) -> dict[str, Any] | None:
    """The blueprint the forms describe, or None when a form is invalid."""
    if not all(b.is_valid() for b in bound):
        return None
    blueprint = copy.deepcopy(saved)
    for b in bound:
        if b.section.rows:
            blueprint[b.key] = _rows(b, saved.get(b.key) or [])
        elif b.form.has_changed():
            b.section.store(blueprint, b.form.cleaned_data)
    return blueprint


def _rows(b: Bound, saved_items: list[Any]) -> list[Any]:
    items = []
    for form in b.form.ordered_forms:
        index = form.cleaned_data.get("index")
        edited = [name for name in form.changed_data if name not in ROW_BOOKKEEPING]
        if index is not None and index < len(saved_items) and not edited:
            items.append(copy.deepcopy(saved_items[index]))
        else:
            items.append(b.section.item(form.cleaned_data))
    return items


def place(bound: list[Bound], problems: dict[str, str]) -> list[str]:
    """Put schema problems (`path -> message`) on the fields they name; return the rest."""
    sections = {b.key: b for b in bound}
    left = []
    for path, message in problems.items():
        parts = list(path_parts(path))
        b = sections.get(parts[0]) if parts else None
        if b is None or not _place_one(b, parts[1:], message):
            left.append(f"{path}: {message}")
    return left


def _place_one(b: Bound, rest: list[Any], message: str) -> bool:
    if b.section.rows:
        if not rest or not isinstance(rest[0], int):
            return False
        ordered = b.form.ordered_forms
        if rest[0] >= len(ordered):
            return False
        form = ordered[rest[0]]
        subpath = ".".join(str(p) for p in rest[1:])
        if not subpath:
            form.add_error(None, message)
            return True
        name = next(
            (
                n
                for key, n in b.section.field_of.items()
                if subpath == key or subpath.startswith(f"{key}.")
            ),
            "",
        )
    else:
        form = b.form
        name = str(rest[0]) if rest else ""
    if name not in form.fields:
        return False
    form.add_error(name, message)
    return True


# Helpers for destinations' section forms.


class LinesField(forms.CharField):
    """Text of several lines; a browser's CRLF line ends are read as LF, so an untouched
    field is not taken for an edited one."""

    def to_python(self, value: Any) -> str:
        return super().to_python(value).replace("\r\n", "\n")


def split_list(text: str) -> list[str]:
    """`a, b ,c` -> ["a", "b", "c"]."""
    return [part.strip() for part in text.split(",") if part.strip()]


def join_list(values: Any) -> str:
    if values is None:
        return ""
    return ", ".join(values) if isinstance(values, list) else str(values)


def paths(text: str) -> str | list[str] | None:
    """One path as a string, fallbacks as a list, nothing as None (as blueprints write them)."""
    items = split_list(text)
    if not items:
        return None
    return items[0] if len(items) == 1 else items


def parse_pairs(text: str, label: str) -> dict[str, str]:
    """Lines of `name = value` -> a dict, raising a ValidationError that names the line."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.rpartition("=")
        if not sep or not name.strip() or not value.strip():
            raise forms.ValidationError(
                f"Line {number}: expected “{label}”, e.g. “Product ID = properties.product_id”."
            )
        pairs[name.strip()] = value.strip()
    return pairs


def format_pairs(pairs: dict[str, Any] | None) -> str:
    return "\n".join(f"{name} = {join_list(value)}" for name, value in (pairs or {}).items())
