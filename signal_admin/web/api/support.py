"""Shared pieces of the Management API: errors, bearer auth, lookups, JSON bodies.

Every error the API answers has one shape, `{"error": "...", "fields": {...}}`, where
`fields` maps the field at fault (e.g. `config.project_token`, `variant`, `Authorization`)
to a message. Routers raise `ApiError` (or return `error(...)`); `install_error_handlers`
turns ninja's own errors (validation, authentication, 404, HttpError) into the same shape.
"""

import logging
from typing import Annotated, Any

import orjson
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Path, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from pydantic import BeforeValidator, StrictStr, StringConstraints
from pydantic_core import PydanticCustomError

from integrations.models import ApiToken, Integration

logger = logging.getLogger(__name__)

BEARER_HINT = "Send 'Authorization: Bearer <token>' (create one with create_api_token)."

# The largest primary key PostgreSQL's bigint holds; a larger id names no row.
MAX_ID = 2**63 - 1

# PostgreSQL stores no NUL character in text or jsonb: such a string is refused up front
# (the patterns are written so Python, Rust (pydantic) and ECMA (the document) agree).
TEXT_PATTERN = r"^[^\x00]*$"
# What str.strip() removes; a name must keep something else once stripped.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NAME_PATTERN = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"


def bounded_text(max_length: int) -> Any:
    """A JSON string of at most `max_length` characters (the column's), without NUL."""
    return Annotated[StrictStr, StringConstraints(max_length=max_length, pattern=TEXT_PATTERN)]


def _not_blank(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("blank", "This field is required.")
    return value


def bounded_name(max_length: int) -> Any:
    """A required name: not blank once stripped, at most `max_length` characters, no NUL."""
    return Annotated[
        StrictStr,
        StringConstraints(min_length=1, max_length=max_length, pattern=NAME_PATTERN),
        BeforeValidator(_not_blank),  # says "required", where the pattern could not
    ]


def row_id(description: str) -> Any:
    """A path id: a positive bigint (larger ones answer 400, not a database error)."""
    return Path(..., ge=1, le=MAX_ID, description=description)


def omit_default(schema: dict[str, Any]) -> None:
    """For `json_schema_extra`: a None default stands for "not sent", never for null."""
    schema.pop("default", None)


class JsonParser(Parser):
    """Bodies parsed strictly: no NaN or Infinity, no lone surrogates (PostgreSQL takes none)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return orjson.loads(request.body)


class ErrorOut(Schema):
    """The body of every error response."""

    error: str
    fields: dict[str, str] = {}
    errors: list[str] | None = None  # every problem, when there can be many (blueprints)
    etag: str | None = None  # the current ETag, on a 412 or 428 from a versioned resource


class ApiError(Exception):
    """Raise from a view (or auth) to answer `status` with the error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        fields: dict[str, str] | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})
        self.extra = extra


def error(
    status: int,
    message: str,
    fields: dict[str, str] | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """An error response: `{"error": message, "fields": fields, **extra}`."""
    body = {"error": message, "fields": dict(fields or {}), **extra}
    response = JsonResponse(body, status=status, headers=headers)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="signal"'
    return response


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """For a route's `response=`: document these statuses as `ErrorOut`."""
    return {status: ErrorOut for status in statuses}


class BearerToken(HttpBearer):
    """Management API tokens (`create_api_token`). Cookies and sessions never count."""

    def __call__(self, request: HttpRequest) -> ApiToken:
        header = request.headers.get(self.header, "")
        if not header:
            raise ApiError(401, "Authentication required.", {"Authorization": BEARER_HINT})
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Expected a bearer token.", {"Authorization": BEARER_HINT})
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = ApiToken.authenticate(token)
        if api_token is None:
            raise ApiError(401, "Invalid token.", {"Authorization": "Unknown or revoked token."})
        return api_token


def get_integration_or_404(integration_id: int) -> Integration:
    """The integration with this id, or an ApiError 404 naming `id`."""
    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None:
        raise ApiError(
            404, "Integration not found.", {"id": f"No integration with id {integration_id}."}
        )
    return integration


def read_json_body(request: HttpRequest) -> Any:
    """The request body parsed as JSON, or an ApiError 400 naming `body`."""
    if not request.body:
        raise ApiError(400, "Invalid input.", {"body": "A JSON body is required."})
    try:
        return orjson.loads(request.body)
    except orjson.JSONDecodeError:  # also invalid UTF-8, NaN and lone surrogates
        raise ApiError(400, "Invalid JSON.", {"body": "The request body is not valid JSON."})


# ninja's validation errors -> field names and messages.

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
_MESSAGES = {
    "missing": "This field is required.",
    "extra_forbidden": "Unknown field.",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "string_too_short": "This field is required.",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "string_too_long": "must be at most {max_length} characters",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    """("body", "payload", "config", "x") -> "config.x"; ("query", "status") -> "status"."""
    parts = list(loc)
    if parts[:1] == ["body"]:
        parts = parts[2:]  # the body schema is nested under its parameter name
    elif parts and parts[0] in _SOURCES:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def _message(item: dict[str, Any]) -> str:
    ctx = item.get("ctx") or {}
    if item.get("type") == "string_pattern_mismatch":  # blank names fail earlier
        return "must not contain NUL characters"
    template = _MESSAGES.get(item.get("type", ""))
    if template is None:
        return item.get("msg", "is invalid")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    """ninja's ValidationError.errors -> {"field.path": "message"}."""
    fields: dict[str, str] = {}
    for item in errors:
        name = _field_name(tuple(item.get("loc", ())))
        message = _message(item)
        fields[name] = f"{fields[name]}; {message}" if name in fields else message
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every error of `api` as `{"error": ..., "fields": {...}}`."""

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error(exc.status, exc.message, exc.fields, headers=exc.headers, **exc.extra)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error(400, "Invalid input.", validation_fields(exc.errors))

    @api.exception_handler(AuthenticationError)
    def _authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error(401, "Authentication required.", {"Authorization": BEARER_HINT})

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            return error(400, "Invalid JSON.", {"body": "The request body is not valid JSON."})
        return error(exc.status_code, exc.message)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error(404, "Not found.", {"path": f"Nothing at {request.path}."})

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Management API error on %s %s", request.method, request.path)
        return error(500, "Internal server error.")
