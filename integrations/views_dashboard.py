"""The integration dashboard, delivery log and replay (being built)."""

from django.http import HttpRequest, HttpResponse


def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("dashboard")


def deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("deliveries")


def delivery(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    return HttpResponse("delivery")


def replay(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("replay")


def send_test(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("send test")
