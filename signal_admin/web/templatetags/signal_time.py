"""Relative times that make sense: "just now" under a minute, never "0 minutes ago"."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """`{{ when|ago }}`: "just now", "3 minutes ago", "2 hours, 5 minutes ago"."""
    if not value:
        return ""
    now = now or timezone.now()
    if abs((now - value).total_seconds()) < 60:
        return "just now"
    if value > now:
        return f"in {timesince(now, value)}"
    return f"{timesince(value, now)} ago"
