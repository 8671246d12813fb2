"""URL converters shared by the pages, the live-events socket and their tests."""

from django.urls import register_converter

# 18 digits always fit a 64-bit primary key; a longer number cannot name a row, and asking
# the database about it fails (PostgreSQL: "integer out of range") instead of finding nothing.
MAX_ID_DIGITS = 18


class IdConverter:
    """A row id: like `int`, but no longer than a primary key can be."""

    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def parse_id(raw: str) -> int | None:
    """A submitted row id, or None when it is not one (empty, non-ASCII digits, too long)."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS:
        return int(raw)
    return None


register_converter(IdConverter, "id")
