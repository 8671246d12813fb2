"""The blueprint editor: edit, preview before saving, save as a revision, roll back, reset.

Generic: the destination supplies its blueprint's validation and sample events; these views
know no destination. Every write names the revision it was made from, so two admins in two
tabs cannot overwrite each other silently (see `integrations.blueprints`).
"""

import json
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from delivery.models import Delivery
from delivery.preview import preview
from integrations import blueprints, editor
from integrations.models import Integration, Source
from signal_admin.web.views.common import integration_or_404, live_url, read_only, staff_required

CHANGE = "integrations.change_integration"
RECENT_EVENTS = 5
FIX_FIELDS = "Some fields need attention: each is marked below. Nothing was saved."
APPLIES = (
    "It applies to events received from now on; deliveries already built keep the payload "
    "they were built with."
)


def _parse(text: str) -> tuple[Any, list[dict[str, Any]]]:
    """The edited text as JSON, or the syntax error at its line."""
    try:
        return json.loads(text), []
    except ValueError as exc:
        line = getattr(exc, "lineno", 1)
        message = getattr(exc, "msg", str(exc))
        return None, [{"path": "", "line": line, "message": f"Not valid JSON: {message}"}]


@dataclass
class Edit:
    """The blueprint an admin's form or text describes, and what is wrong with it."""

    mode: str  # "form" or "json"
    text: str
    data: Any = None  # the edited blueprint, None while it has errors
    errors: list[dict[str, Any]] = dc_field(default_factory=list)
    sections: list[editor.Bound] = dc_field(default_factory=list)


def _from_text(integration: Integration, text: str) -> Edit:
    data, errors = _parse(text)
    if not errors:
        problems = blueprints.problems_of(integration, data)
        errors = blueprints.lines_of(data, problems) if problems else []
    return Edit("json", text, None if errors else data, errors)


def _from_forms(integration: Integration, post: Any) -> Edit:
    sections = editor.bind(integration.destination.editor_sections, integration.blueprint, post)
    data = editor.build(sections, integration.blueprint)
    edit = Edit("form", "", sections=sections)
    if data is None:
        edit.errors = [{"path": "", "line": None, "message": FIX_FIELDS}]
        return edit
    problems = blueprints.problems_of(integration, data)
    if problems:
        left = editor.place(sections, blueprints.InvalidBlueprint(problems).by_path())
        messages_ = [FIX_FIELDS] if len(left) < len(problems) else []
        edit.errors = [{"path": "", "line": None, "message": m} for m in messages_ + left]
        return edit
    edit.data, edit.text = data, blueprints.pretty(data)
    return edit


def _edited(request: HttpRequest, integration: Integration) -> Edit:
    if request.POST.get("mode") == "form":
        return _from_forms(integration, request.POST)
    return _from_text(integration, request.POST.get("blueprint", ""))


def _unedited(integration: Integration, mode: str) -> Edit:
    sections = editor.bind(integration.destination.editor_sections, integration.blueprint)
    return Edit(mode, blueprints.pretty(integration.blueprint), sections=sections)


def _samples(integration: Integration) -> list[dict[str, Any]]:
    """The events a preview can start from: the destination's samples, then recent events."""
    choices = [
        {"key": f"sample:{i}", "label": sample["name"], "event": sample["event"]}
        for i, sample in enumerate(integration.destination.sample_events(integration.variant))
    ]
    recent = (
        Delivery.objects.filter(integration=integration)
        .select_related("event__source")
        .order_by("-id")[:RECENT_EVENTS]
    )
    for delivery in recent:
        event = delivery.event
        label = f"Received: {event.name or event.type} from {event.source.name} (#{event.pk})"
        choices.append(
            {
                "key": f"event:{event.pk}",
                "label": label,
                "event": event.payload,
                "kind": event.source.kind,
            }
        )
    return choices


def _kind(request: HttpRequest, chosen: dict[str, Any] | None) -> str:
    """Where the previewed event comes from: a real event's source, else the admin's pick."""
    if chosen and chosen.get("kind"):
        return chosen["kind"]
    picked = request.POST.get("source_kind", "")
    return picked if picked in dict(Source.KINDS) else Source.BROWSER


def _chosen_event(request: HttpRequest, choices: list[dict[str, Any]]) -> tuple[Any, str, str]:
    """(event, chosen key, error) from the preview's picker or the pasted event."""
    key = request.POST.get("sample") or request.GET.get("sample") or "sample:0"
    if key == "paste":
        pasted = request.POST.get("event", "").strip()
        if not pasted:
            return None, key, "Paste an event (JSON) to preview it."
        try:
            event = json.loads(pasted)
        except ValueError:
            return None, key, "The pasted event is not valid JSON."
        if not isinstance(event, dict):
            return None, key, "The pasted event must be one JSON object."
        return event, key, ""
    chosen = next((c for c in choices if c["key"] == key), choices[0] if choices else None)
    if chosen is None:
        return None, key, "There is no sample event: paste one."
    return chosen["event"], chosen["key"], ""


def _shown(result: dict[str, Any]) -> dict[str, Any]:
    """What a preview result shows and diffs: the decision and the exact requests."""
    return {
        "decision": result["status"],
        "reason": result["reason"],
        "field": result["field"],
        "destination_event": result["destination_event"],
        "requests": [
            {"method": r["method"], "url": r["url"], "body": r["body"]} for r in result["requests"]
        ],
        "warnings": result["warnings"],
    }


def _preview_context(request: HttpRequest, integration: Integration, edited: Any) -> dict[str, Any]:
    choices = _samples(integration)
    event, chosen, problem = _chosen_event(request, choices)
    kind = _kind(request, next((c for c in choices if c["key"] == chosen), None))
    context = {
        "choices": choices,
        "chosen": chosen,
        "pasted": request.POST.get("event", ""),
        "problem": problem,
        "kinds": Source.KINDS,
        "kind": kind,
    }
    if event is None:
        return context
    saved = _shown(preview(integration, event, source_kind=kind))
    after = (
        _shown(preview(integration, event, blueprint=edited, source_kind=kind))
        if edited is not None
        else None
    )
    difference = (
        blueprints.diff(saved, after, before_name="saved blueprint", after_name="edited")
        if after is not None
        else ""
    )
    return context | {"saved": saved, "edited": after, "difference": difference}


def _history(integration: Integration) -> list[dict[str, Any]]:
    return [
        {"revision": revision, "diff": blueprints.revision_diff(revision)}
        for revision in integration.revisions.all()[:50]
    ]


def _page(
    request: HttpRequest, integration: Integration, edit: Edit, *, revision: int, status: int = 200
) -> HttpResponse:
    destination = integration.destination
    sections = edit.sections or editor.bind(destination.editor_sections, integration.blueprint)
    context = {
        "integration": integration,
        "destination": destination,
        "variant": destination.variant(integration.variant),
        "live_url": live_url(integration),
        "origin": blueprints.origin(integration),
        "mode": edit.mode,
        "text": edit.text if edit.mode == "json" else blueprints.pretty(integration.blueprint),
        "sections": sections,
        "errors": edit.errors,
        "revision": revision,
        "comment": request.POST.get("comment", ""),
        "history": _history(integration),
        "applies": APPLIES,
        "preview": _preview_context(request, integration, edit.data),
    }
    return render(request, "integrations/blueprint.html", context, status=status)


@staff_required
def blueprint(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the editor on the saved blueprint. POST: preview the edit, or save it."""
    integration, _ = integration_or_404(pk)
    if request.method != "POST":
        mode = "json" if request.GET.get("editor") == "json" else "form"
        return _page(
            request,
            integration,
            _unedited(integration, mode),
            revision=integration.blueprint_revision,
        )
    edit = _edited(request, integration)
    revision = _revision(request, integration)
    saving = request.POST.get("action") == "save"
    if not saving or edit.errors:
        return _page(request, integration, edit, revision=revision, status=400 if saving else 200)
    if not request.user.has_perm(CHANGE):
        return read_only(request, CHANGE)
    return _save(request, integration, edit, revision)


def _revision(request: HttpRequest, integration: Integration) -> int:
    value = request.POST.get("revision", "")
    return int(value) if value.isdigit() and len(value) < 10 else integration.blueprint_revision


def _save(
    request: HttpRequest, integration: Integration, edit: Edit, revision: int
) -> HttpResponse:
    try:
        _, saved = blueprints.save(
            integration.pk,
            edit.data,
            expected=revision,
            author=request.user.get_username(),
            comment=request.POST.get("comment", "").strip(),
        )
    except blueprints.StaleBlueprint as exc:
        edit.errors = [
            {
                "path": "",
                "line": None,
                "message": (
                    f"Someone saved revision {exc.current} while you were editing revision "
                    f"{revision}. Your edit is kept here, unsaved: open the history to see their "
                    "change, then reload the editor and redo yours."
                ),
            }
        ]
        return _page(request, integration, edit, revision=revision, status=409)
    if saved is None:
        messages.info(request, "Nothing changed: the blueprint is as it was.")
    else:
        messages.success(request, f"Saved revision {saved.number}. {APPLIES}")
    url = reverse("integrations:blueprint", kwargs={"pk": integration.pk})
    return redirect(f"{url}?editor=json" if edit.mode == "json" else url)


@staff_required
@require_POST
def blueprint_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview panel alone, for the editor's script to refresh as the admin types."""
    integration, _ = integration_or_404(pk)
    edit = _edited(request, integration)
    context = {
        "integration": integration,
        "errors": edit.errors,
        "preview": _preview_context(request, integration, edit.data),
    }
    return render(request, "integrations/_blueprint_preview.html", context)


@staff_required(perm=CHANGE)
@require_POST
def blueprint_rollback(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    integration, _ = integration_or_404(pk)
    target = integration.revisions.filter(number=number).first()
    if target is None:
        messages.error(request, f"There is no revision {number}.")
        return redirect("integrations:blueprint", pk=integration.pk)
    return _rewrite(
        request,
        integration,
        lambda expected, author: blueprints.rollback(
            integration, number, expected=expected, author=author
        ),
        f"Rolled back to revision {number}",
    )


@staff_required(perm=CHANGE)
@require_POST
def blueprint_reset(request: HttpRequest, pk: int) -> HttpResponse:
    integration, _ = integration_or_404(pk)
    return _rewrite(
        request,
        integration,
        lambda expected, author: blueprints.reset(integration, expected=expected, author=author),
        f"Reset to the shipped {integration.variant} blueprint",
    )


def _rewrite(request: HttpRequest, integration: Integration, action, done: str) -> HttpResponse:
    try:
        _, saved = action(_revision(request, integration), request.user.get_username())
    except blueprints.StaleBlueprint as exc:
        messages.error(
            request,
            f"Nothing done: someone saved revision {exc.current} since you opened this page. "
            "Look at the history below and try again.",
        )
    else:
        messages.success(request, f"{done}: revision {saved.number}. {APPLIES}")
    return redirect("integrations:blueprint", pk=integration.pk)
