"""The Management API under /v1/admin/: bearer tokens, JSON errors, OpenAPI from the code.

Each resource lives in its own module as a ninja `Router` (`signal_admin/web/api/<name>.py`)
and is registered below; shared helpers (errors, auth, lookups) are in `support`.
To add endpoints, write a router and add it with `api.add_router(prefix, router)`.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI

from signal_admin.web.api.blueprint import router as blueprint_router
from signal_admin.web.api.catalog import router as catalog_router
from signal_admin.web.api.deliveries import router as deliveries_router
from signal_admin.web.api.integrations import router as integrations_router
from signal_admin.web.api.preview import router as preview_router
from signal_admin.web.api.sources import router as sources_router
from signal_admin.web.api.support import BearerToken, JsonParser, error, install_error_handlers


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers an unsupported method with a plain-text 405; answer our JSON instead."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            json_response = error(
                405,
                "Method not allowed.",
                {"method": f"{request.method} is not allowed here; use {allowed}."},
            )
            json_response["Allow"] = allowed
            return json_response
        return response

    return wrapper


def _unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error(404, "Not found.", {"path": f"No endpoint at {request.path}."})


_unknown_path.csrf_exempt = True  # type: ignore[attr-defined]


def _query_param_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """`T | None = None` as a query parameter: absent or a T, never null (nor null by default)."""
    schema = {k: v for k, v in schema.items() if not (k == "default" and v is None)}
    options = schema.get("anyOf")
    if isinstance(options, list):
        rest = [o for o in options if o != {"type": "null"}]
        if len(rest) == 1 and len(rest) < len(options):
            del schema["anyOf"]
            schema = {**rest[0], **schema}
    return schema


class SignalAPI(NinjaAPI):
    """NinjaAPI whose 405s and unknown paths also answer the JSON error shape."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        document = super().get_openapi_schema(*args, **kwargs)
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                for param in operation.get("parameters", []):
                    if param.get("in") == "query" and "schema" in param:
                        param["schema"] = _query_param_schema(param["schema"])
        return document

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls = super()._get_urls()
        for pattern in urls:
            if not isinstance(pattern, URLPattern):
                continue
            if pattern.name == "api-root":
                # Kept (ninja reverses it for the OpenAPI paths) but answers JSON 404.
                pattern.callback = _unknown_path
            else:
                pattern.callback = _json_405(pattern.callback)
        return [*urls, re_path(r"^(?P<rest>.*)$", _unknown_path, name="not-found")]


api = SignalAPI(
    title="Signal Management API",
    version="1.0.0",
    description=(
        "Install and manage Signal's integrations and sources. Authenticate every request "
        "with `Authorization: Bearer <token>` (`python manage.py create_api_token NAME`). "
        'Errors are JSON: `{"error": "...", "fields": {"field": "message"}}`. '
        "Secrets are write-only: never returned."
    ),
    urls_namespace="admin-api",
    auth=BearerToken(),
    parser=JsonParser(),
    docs_url=None,  # the docs page loads its assets from a CDN; openapi.json is enough
)
install_error_handlers(api)

api.add_router("/integration-catalog", catalog_router)
api.add_router("/integrations", integrations_router)
api.add_router("/integrations", blueprint_router)
api.add_router("/integrations", deliveries_router)
api.add_router("/integrations", preview_router)
api.add_router("/sources", sources_router)
