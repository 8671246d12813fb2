"""The settings form of an integration, built from its destination's config fields.

The form only parses the request; the rules (required fields, residency, service account)
live in `signal_admin.web.services`, so the admin UI and the Management API share them.

After a validation error the form keeps everything typed except secrets, which are never
rendered back into the page: a secret that was typed is asked for again at its field.
"""

from collections.abc import Iterator
from typing import Any

from django import forms

from integrations.catalog import ChoiceGroup, ConfigField, Destination
from integrations.models import Integration

NAME_FIELD = "name"
STORED_PLACEHOLDER = "Stored: leave blank to keep it"

Spec = ConfigField | ChoiceGroup


def _form_field(spec: ConfigField, *, stored: bool) -> forms.Field:
    if spec.type == "boolean":
        return forms.BooleanField(label=spec.label, required=False)
    if spec.secret:
        attrs = {"autocomplete": "new-password"}
        if stored:
            attrs["placeholder"] = STORED_PLACEHOLDER
        widget = forms.PasswordInput(render_value=False, attrs=attrs)
        return forms.CharField(label=spec.label, required=False, strip=True, widget=widget)
    return forms.CharField(
        label=spec.label, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


def _choice_field(group: ChoiceGroup) -> forms.Field:
    return forms.ChoiceField(
        label=group.label,
        choices=list(group.options),
        required=False,
        widget=forms.RadioSelect,
    )


class IntegrationForm(forms.Form):
    """A Name field plus one field per config field (or choice group) of the destination."""

    name = forms.CharField(label="Name", max_length=100, required=False)

    def __init__(
        self,
        destination: Destination,
        *args: Any,
        editing: bool = False,
        stored_secrets: frozenset[str] = frozenset(),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.destination = destination
        self.editing = editing
        self.stored_secrets = stored_secrets
        for spec in self.specs():
            if isinstance(spec, ChoiceGroup):
                self.fields[spec.key] = _choice_field(spec)
                self.initial.setdefault(spec.key, spec.value_of(self.initial))
            else:
                stored = spec.key in stored_secrets
                self.fields[spec.key] = _form_field(spec, stored=stored)

    def specs(self) -> Iterator[Spec]:
        """The config fields in order, a choice group standing where its first member is."""
        grouped = {key: g for g in self.destination.choice_groups for key in g.members}
        seen: set[str] = set()
        for spec in self.destination.fields:
            group = grouped.get(spec.key)
            if group is None:
                yield spec
            elif group.key not in seen:
                seen.add(group.key)
                yield group

    def config(self) -> dict[str, Any]:
        """The submitted config, keyed like the Management API's `config` object."""
        config = {}
        for spec in self.specs():
            value = self.cleaned_data.get(spec.key)
            if isinstance(spec, ChoiceGroup):
                config.update({key: value == key for key in spec.members})
            else:
                config[spec.key] = value
        return config

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Show `InstallError.fields` ("config.project_token", "name", ...) inline."""
        groups = {key: g.key for g in self.destination.choice_groups for key in g.members}
        for key, message in errors.items():
            field = key.removeprefix("config.")
            field = groups.get(field, field)
            self.add_error(field if field in self.fields else None, message)

    def retype(self, spec: Spec) -> str:
        """'Enter … again' for a secret that was typed but, after an error, is not shown."""
        if not (spec.secret and self.is_bound and self.errors):
            return ""
        if not self.data.get(spec.key, "").strip() or self.errors.get(spec.key):
            return ""
        return f"Enter the {spec.label} again: secrets are never shown back."

    def mark_first_error(self) -> None:
        """Give the first invalid field `autofocus`, so focus lands on the error."""
        specs = list(self.specs())
        order = [NAME_FIELD] + [s.key for s in specs if not s.advanced]
        order += [s.key for s in specs if s.advanced]
        for name in order:
            if self.errors.get(name):
                self.fields[name].widget.attrs["autofocus"] = True
                return

    def rows(self, *, advanced: bool) -> list[dict[str, Any]]:
        """Bound fields with their catalog help, for the template."""
        rows = []
        for spec in self.specs():
            if spec.advanced == advanced:
                if self.retype(spec):
                    # screen readers hear "enter it again" with the empty field
                    widget = self.fields[spec.key].widget
                    widget.attrs["aria-describedby"] = f"{self[spec.key].auto_id}-retype"
                rows.append(
                    {
                        "field": self[spec.key],
                        "spec": spec,
                        "help": self._help(spec),
                        "retype": self.retype(spec),
                    }
                )
        return rows

    def _help(self, spec: Spec) -> str:
        if spec.secret and spec.key in self.stored_secrets:
            return f"{spec.help} Leave blank to keep the stored secret."
        return spec.help

    def essential_rows(self) -> list[dict[str, Any]]:
        return self.rows(advanced=False)

    def advanced_rows(self) -> list[dict[str, Any]]:
        return self.rows(advanced=True)

    def has_advanced_errors(self) -> bool:
        return any(row["field"].errors for row in self.advanced_rows())


def initial_for(integration: Integration) -> dict[str, Any]:
    """Edit form initial values: the plain config only; secrets are never pre-filled."""
    return {NAME_FIELD: integration.name, **integration.config}


def stored_secrets(integration: Integration | None) -> frozenset[str]:
    """The keys of the secrets an integration actually has stored."""
    if integration is None:
        return frozenset()
    return frozenset(key for key, value in integration.secrets.items() if value)
