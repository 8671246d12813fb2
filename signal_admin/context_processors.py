"""Template context every page gets."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def demo(request: HttpRequest) -> dict[str, Any]:
    """`demo_enabled`: whether /demo/ is served, so pages link to it only then."""
    return {"demo_enabled": settings.SIGNAL_DEMO}
