"""Segment's `integrations` object: which destinations an event is meant for."""


def integrations_skip(payload: dict, destination_name: str) -> str | None:
    """Why the event's `integrations` object leaves this destination out, or None.

    Segment's rule: the key naming the destination (any case) decides, `false` skipping it
    and `true` or an options object sending; without one, `All` does (default true).
    """
    flags = payload.get("integrations")
    if not isinstance(flags, dict):
        return None
    by_name = {str(key).lower(): (key, value) for key, value in flags.items()}
    explicit = by_name.get(destination_name.lower())
    if explicit and (explicit[1] is False or explicit[1] is True or isinstance(explicit[1], dict)):
        return f"integrations.{explicit[0]} is false" if explicit[1] is False else None
    every = by_name.get("all")
    return f"integrations.{every[0]} is false" if every and every[1] is False else None
