"""What the admin pages share: the staff check, the read-only page and the lookups."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from integrations.catalog import Destination, get_destination
from integrations.models import Integration

View = Callable[..., HttpResponse]


def staff_required(view: View | None = None, *, perm: str = "") -> Any:
    """Anonymous visitors go to the login page; signed-in non-staff get a 403 page.

    With `perm` (e.g. `integrations.change_integration`), staff also need that permission:
    staff without it can watch Live Events and the logs but change nothing.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_active and user.is_staff):
                return render(request, "integrations/forbidden.html", status=403)
            if perm and not user.has_perm(perm):
                return read_only(request, perm)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def read_only(request: HttpRequest, perm: str) -> HttpResponse:
    """The 403 for staff who may look but not do this; names the permission to ask for."""
    action, _, model = perm.partition(".")[2].partition("_")
    context = {"needed": f"Can {action} {model}"}
    return render(request, "integrations/read_only.html", context, status=403)


def destination_or_404(key: str) -> Destination:
    """The catalog entry named `key`, or a 404 page."""
    destination = get_destination(key)
    if destination is None:
        raise Http404("No such destination in the catalog.")
    return destination


def integration_or_404(pk: int) -> tuple[Integration, Destination]:
    """The integration and its destination, or a 404 page when either is gone."""
    integration = get_object_or_404(Integration, pk=pk)
    destination = integration.destination
    if destination is None:
        raise Http404("This integration's destination is no longer in the catalog.")
    return integration, destination


def live_url(integration: Integration) -> str:
    """The integration's Live Events page."""
    return reverse("integrations:live", kwargs={"pk": integration.pk})
