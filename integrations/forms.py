"""The settings form of an integration, built from its destination's config fields.

The form only parses the request; the rules (required fields, residency, service account)
live in `integrations.services`, so the admin UI and the Management API share them.
"""

from typing import Any

from django import forms

from integrations.catalog import ConfigField, Destination
from integrations.models import Integration

NAME_FIELD = "name"


def _form_field(spec: ConfigField, *, editing: bool) -> forms.Field:
    if spec.type == "boolean":
        return forms.BooleanField(label=spec.label, required=False)
    if spec.secret:
        placeholder = "Stored: leave blank to keep it" if editing else ""
        widget = forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password", "placeholder": placeholder}
        )
        return forms.CharField(label=spec.label, required=False, strip=True, widget=widget)
    return forms.CharField(
        label=spec.label, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class IntegrationForm(forms.Form):
    """A Name field plus one field per config field of the destination."""

    name = forms.CharField(label="Name", max_length=100, required=False)

    def __init__(
        self, destination: Destination, *args: Any, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.destination = destination
        self.editing = editing
        for spec in destination.fields:
            self.fields[spec.key] = _form_field(spec, editing=editing)

    def config(self) -> dict[str, Any]:
        """The submitted config, keyed like the Management API's `config` object."""
        return {spec.key: self.cleaned_data.get(spec.key) for spec in self.destination.fields}

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Show `InstallError.fields` ("config.project_token", "name", ...) inline."""
        for key, message in errors.items():
            field = key.removeprefix("config.")
            self.add_error(field if field in self.fields else None, message)

    def rows(self, *, advanced: bool) -> list[dict[str, Any]]:
        """Bound fields with their catalog help, for the template."""
        rows = []
        for spec in self.destination.fields:
            if spec.advanced == advanced:
                rows.append({"field": self[spec.key], "spec": spec, "help": self._help(spec)})
        return rows

    def _help(self, spec: ConfigField) -> str:
        if spec.secret and self.editing:
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
