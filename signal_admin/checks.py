"""System checks that stop a misconfigured start with a message that says how to fix it."""

from django.conf import settings
from django.core.checks import Error, Tags, register

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1", "testserver"}


@register(Tags.security)
def check_secrets(app_configs, **kwargs) -> list[Error]:
    errors = []
    if settings.STANDALONE:
        return errors
    if not settings.SECRET_KEY_FROM_ENV:
        errors.append(
            Error(
                "SECRET_KEY is not set while REDIS_URL selects the distributed mode.",
                hint="Set SECRET_KEY to the same long random value on every process, e.g. "
                'python -c "import secrets; print(secrets.token_urlsafe(50))".',
                id="signal.E001",
            )
        )
    if not settings.ENCRYPTION_KEYS_FROM_ENV:
        errors.append(
            Error(
                "SIGNAL_ENCRYPTION_KEYS is not set while REDIS_URL selects the distributed mode.",
                hint='Set it to one or more comma-separated Fernet keys: python -c "from '
                'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())".',
                id="signal.E002",
            )
        )
    return errors


@register(Tags.security)
def check_encryption_keys(app_configs, **kwargs) -> list[Error]:
    from cryptography.fernet import Fernet

    for index, key in enumerate(settings.SIGNAL_ENCRYPTION_KEYS):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            return [
                Error(
                    f"SIGNAL_ENCRYPTION_KEYS entry {index + 1} is not a valid Fernet key.",
                    hint="Each key is 32 url-safe base64-encoded bytes (Fernet.generate_key()).",
                    id="signal.E005",
                )
            ]
    return []


@register(Tags.security)
def check_debug_hosts(app_configs, **kwargs) -> list[Error]:
    public = [h for h in settings.ALLOWED_HOSTS if h not in LOCAL_HOSTS]
    if settings.DEBUG and public:
        return [
            Error(
                f"DEBUG is on while ALLOWED_HOSTS serves public hosts: {', '.join(public)}.",
                hint="Unset DEBUG (it shows settings and tracebacks to anyone) or keep "
                "ALLOWED_HOSTS to localhost while debugging.",
                id="signal.E004",
            )
        ]
    return []


@register()
def check_trusted_proxies(app_configs, **kwargs) -> list[Error]:
    from delivery.collect.client_ip import networks

    try:
        networks(settings.SIGNAL_TRUSTED_PROXIES)
    except ValueError as exc:
        return [
            Error(
                f"SIGNAL_TRUSTED_PROXIES is not a list of CIDRs: {exc}.",
                hint="Give comma-separated networks such as 10.0.0.0/8,2001:db8::/32.",
                id="signal.E006",
            )
        ]
    return []


@register()
def check_send_lease(app_configs, **kwargs) -> list[Error]:
    from delivery.lease import RENEWALS_PER_LEASE

    lease, timeout = settings.SIGNAL_SEND_LEASE_SECONDS, settings.SIGNAL_HTTP_TIMEOUT_SECONDS
    # Between renewals a lease is down to this; a request needs the timeout left to start.
    if lease * (1 - 1 / RENEWALS_PER_LEASE) < timeout:
        return [
            Error(
                f"SIGNAL_SEND_LEASE_SECONDS ({lease:g}) is too short for "
                f"SIGNAL_HTTP_TIMEOUT_SECONDS ({timeout:g}): no request could start safely.",
                hint="Make the lease at least 1.25 times the HTTP timeout (15 and 10 by default).",
                id="signal.E010",
            )
        ]
    return []


@register()
def check_redis(app_configs, **kwargs) -> list[Error]:
    if not settings.REDIS_URL:
        return []
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return [
            Error(
                f"REDIS_URL ({_redacted(settings.REDIS_URL)}) is unreachable: {exc}.",
                hint="Start Redis or fix REDIS_URL; unset it to run standalone without Redis.",
                id="signal.E003",
            )
        ]
    return []


def _redacted(url: str) -> str:
    """The URL without its password, so a check message never prints a secret."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (
        f":{parts.port}" if parts.port else ""
    )
    return urlunsplit(parts._replace(netloc=netloc))
