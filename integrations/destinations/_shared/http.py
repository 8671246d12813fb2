"""What every destination's HTTP client does the same way: post one request and say, when
there is no answer, why (always worth a retry); read a boolean setting; scrub secrets from
anything Signal stores."""

from typing import Any

import httpx

REDACTED = "[redacted]"


def post(
    http: httpx.Client, name: str, url: str, content: bytes, headers: dict[str, str]
) -> httpx.Response | str:
    """The answer to one POST, or the error to retry with when `name` gave none."""
    try:
        return http.post(url, content=content, headers=headers)
    except httpx.TimeoutException as exc:
        return f"{name} did not answer in time ({type(exc).__name__}); will retry"
    except httpx.RequestError as exc:
        return f"Could not reach {name} ({type(exc).__name__}: {exc}); will retry"


def flag(value: Any) -> bool:
    """A boolean setting as stored: True, or a string such as "1", "true", "yes", "on"."""
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text
