"""Management API: sources and their write keys (the collection API's credentials)."""

from datetime import datetime
from typing import Literal

from django.db import IntegrityError, transaction
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from integrations.models import Source
from signal_admin.web.api.support import ApiError, bounded_name, error_responses

router = Router(tags=["sources"])
# Browser and mobile sources take the client IP from the connection; server sources never do.
Kind = Literal["browser", "mobile", "server"]


class SourceOut(Schema):
    id: int
    name: str
    kind: Kind
    write_key: str
    created_at: datetime


SourceName = bounded_name(Source._meta.get_field("name").max_length)


class SourceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: SourceName
    kind: Kind = Source.BROWSER


def source_out(source: Source) -> dict:
    return {
        "id": source.pk,
        "name": source.name,
        "kind": source.kind,
        "write_key": source.write_key,
        "created_at": source.created_at,
    }


@router.get("", response={200: list[SourceOut], **error_responses(401)})
def list_sources(request):
    """Every source, with its write key (send it as the collection API's Basic username)."""
    return [source_out(s) for s in Source.objects.order_by("name", "id")]


@router.post("", response={201: SourceOut, **error_responses(400, 401, 409)})
def create_source(request, payload: SourceIn):
    """Create a source; the answer carries its new write key. A taken name answers 409."""
    name = payload.name.strip()
    try:
        with transaction.atomic():
            source = Source.objects.create(name=name, kind=payload.kind)
    except IntegrityError:
        raise ApiError(409, "Conflict.", {"name": f"A source named {name!r} exists."})
    return Status(201, source_out(source))
