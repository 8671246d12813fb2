"""The admin UI: installed integrations, the Integration Library, install, edit and delete."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from delivery.outbox import held_count
from integrations.catalog import ChoiceGroup, Destination, destinations
from integrations.models import Integration
from signal_admin.web import services
from signal_admin.web.dashboard_stats import dashboard_context
from signal_admin.web.forms import IntegrationForm, initial_for, stored_secrets
from signal_admin.web.views.common import (
    destination_or_404,
    integration_or_404,
    live_url,
    staff_required,
)

SECRET_MASK = "•••••• (stored)"


# Installed and Library tabs


@staff_required
def installed(request: HttpRequest) -> HttpResponse:
    rows = [_installed_row(i) for i in Integration.objects.all()]
    return render(request, "integrations/installed.html", {"tab": "installed", "rows": rows})


def _installed_row(integration: Integration) -> dict[str, Any]:
    destination = integration.destination
    variant = destination.variant(integration.variant) if destination else None
    return {"integration": integration, "destination": destination, "variant": variant}


def _matches(destination: Destination, category: str, query: str) -> bool:
    if category and destination.category.lower() != category.lower():
        return False
    return not query or query.lower() in destination.name.lower()


@staff_required
def library(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "").strip()
    query = request.GET.get("q", "").strip()
    catalog = destinations()
    counts = _installed_counts()
    cards = [
        {"destination": d, "installed": counts.get(d.key, 0)}
        for d in catalog
        if _matches(d, category, query)
    ]
    context = {
        "tab": "library",
        "cards": cards,
        "categories": sorted({d.category for d in catalog}),
        "category": category,
        "q": query,
    }
    return render(request, "integrations/library.html", context)


def _installed_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for key in Integration.objects.values_list("catalog_key", flat=True):
        counts[key] = counts.get(key, 0) + 1
    return counts


# Install and edit


@staff_required(perm="integrations.add_integration")
@require_http_methods(["GET", "POST"])
def install(request: HttpRequest, key: str) -> HttpResponse:
    destination = destination_or_404(key)
    variant_key = request.POST.get("variant") or request.GET.get("variant", "")
    if len(destination.variants) == 1:
        variant_key = destination.variants[0].key
    variant = destination.variant(variant_key)
    if variant is None:
        return _choose_variant(request, destination, variant_key)
    return integration_form(request, destination, variant_key=variant.key)


def _choose_variant(request: HttpRequest, destination: Destination, chosen: str) -> HttpResponse:
    error = f"Unknown variant “{chosen}”: choose one below." if chosen else ""
    context = {"tab": "library", "destination": destination, "error": error}
    return render(request, "integrations/choose_variant.html", context)


@staff_required(perm="integrations.change_integration")
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    integration, destination = integration_or_404(pk)
    return integration_form(request, destination, integration=integration)


def integration_form(
    request: HttpRequest,
    destination: Destination,
    *,
    integration: Integration | None = None,
    variant_key: str = "",
) -> HttpResponse:
    """One view for the install form and the edit form, keyed on `integration`."""
    editing = integration is not None
    options = {"editing": editing, "stored_secrets": stored_secrets(integration)}
    if request.method == "POST":
        form = IntegrationForm(destination, request.POST, **options)
        saved = _save(form, destination, integration, variant_key) if form.is_valid() else None
        if saved is not None:
            verb = "updated" if editing else "installed"
            messages.success(request, f"{saved.name} {verb}.")
            return redirect("integrations:detail", pk=saved.pk)
        form.mark_first_error()
    else:
        initial = initial_for(integration) if editing else {"name": destination.name}
        form = IntegrationForm(destination, initial=initial, **options)
    variant = destination.variant(integration.variant if integration else variant_key)
    context = {
        "tab": "installed" if editing else "library",
        "destination": destination,
        "integration": integration,
        "variant": variant,
        "form": form,
    }
    return render(request, "integrations/form.html", context)


def _save(
    form: IntegrationForm,
    destination: Destination,
    integration: Integration | None,
    variant_key: str,
) -> Integration | None:
    """Run the shared service rules; on failure put their errors on the form."""
    name = form.cleaned_data["name"]
    try:
        if integration is None:
            return services.install(
                destination, name=name, variant=variant_key, config=form.config()
            )
        return _update(integration, name, form.config())
    except services.InstallError as error:
        form.add_service_errors(error.fields)
        return None


def _update(integration: Integration, name: str, config: dict[str, Any]) -> Integration:
    errors = {} if name.strip() else {"name": "This field is required."}
    try:
        services.update_config(integration, config, partial=False)
    except services.InstallError as error:
        errors.update(error.fields)
    if errors:
        raise services.InstallError(errors)
    integration.name = name.strip()
    integration.save()
    return integration


# One integration


@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The dashboard's blocks followed by the settings."""
    integration, destination = integration_or_404(pk)
    context = {
        "tab": "installed",
        "integration": integration,
        "destination": destination,
        "variant": destination.variant(integration.variant),
        "settings_rows": settings_summary(integration, destination),
        "live_url": live_url(integration),
        "held_count": held_count(integration),
        **dashboard_context(request, integration, request.GET.get("window", "day")),
    }
    return render(request, "integrations/detail.html", context)


def settings_summary(integration: Integration, destination: Destination) -> list[dict[str, Any]]:
    """Label and display value of every config field; a secret shows only that it is set."""
    rows = []
    for spec in IntegrationForm(destination).specs():
        if isinstance(spec, ChoiceGroup):
            chosen = dict(spec.options).get(spec.value_of(integration.config), "")
            rows.append({"key": spec.key, "label": spec.label, "value": chosen})
            continue
        if spec.secret:
            shown = SECRET_MASK if integration.secrets.get(spec.key) else ""
        elif spec.type == "boolean":
            shown = "On" if integration.config.get(spec.key, spec.default) else "Off"
        else:
            shown = integration.config.get(spec.key, "")
        rows.append({"key": spec.key, "label": spec.label, "value": shown})
    return rows


@staff_required(perm="integrations.change_integration")
@require_POST
def toggle(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    released = services.set_enabled(integration, not integration.enabled)
    messages.success(request, toggled_message(integration, released))
    return redirect("integrations:detail", pk=integration.pk)


def toggled_message(integration: Integration, released: int) -> str:
    if not integration.enabled:
        return (
            f"{integration.name} disabled. New events are held, not sent, "
            "and are sent when you enable it again."
        )
    if released:
        return f"{integration.name} enabled. Sending {released:,} held {plural(released)} now."
    return f"{integration.name} enabled."


def plural(count: int) -> str:
    return "event" if count == 1 else "events"


@staff_required(perm="integrations.delete_integration")
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    if request.method == "POST":
        integration.delete()
        messages.success(request, f"{integration.name} deleted.")
        return redirect("integrations:installed")
    context = {"tab": "installed", "integration": integration}
    return render(request, "integrations/delete.html", context)
