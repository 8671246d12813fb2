"""The Live Events page (being built)."""

from django.http import HttpRequest, HttpResponse


def live(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("live")


def delivery_json(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    return HttpResponse("{}")
