"""Signal's settings, read from the environment (see README "Settings").

With no environment at all Signal runs standalone: SQLite under var/, an in-process Celery
broker and channel layer, and a secret key generated once into var/. Setting REDIS_URL and
DATABASE_URL switches to the distributed mode.
"""

import base64
import hashlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
VAR_DIR = Path(env.str("SIGNAL_VAR_DIR", default=str(BASE_DIR / "var")))

REDIS_URL = env.str("REDIS_URL", default="")
STANDALONE = not REDIS_URL


def _standalone_secret_key() -> str:
    """A key generated on first start and kept in var/, so sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY_FROM_ENV = env.str("SECRET_KEY", default="")
SECRET_KEY = SECRET_KEY_FROM_ENV or (
    _standalone_secret_key() if STANDALONE else "missing-secret-key-see-signal-E001"
)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Behind TLS (a proxy that terminates it and sets X-Forwarded-Proto): HSTS, secure cookies and
# a redirect of plain HTTP, so `manage.py check --deploy` has nothing left to say.
SIGNAL_HTTPS = env.bool("SIGNAL_HTTPS", default=False)
if SIGNAL_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SIGNAL_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The header alone lists nothing: a domain is preloaded only once its owner submits it.
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True


def _derived_fernet_key(secret: str) -> str:
    digest = hashlib.sha256(b"signal-encryption:" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


ENCRYPTION_KEYS_FROM_ENV = env.list("SIGNAL_ENCRYPTION_KEYS", default=[])
SIGNAL_ENCRYPTION_KEYS = ENCRYPTION_KEYS_FROM_ENV or [_derived_fernet_key(SECRET_KEY)]

# The demo shop (/demo/) and its own "Demo shop" source: on standalone, off when distributed
# unless asked for, since it publishes that source's write key on a public page.
SIGNAL_DEMO = env.bool("SIGNAL_DEMO", default=STANDALONE)

SIGNAL_PORT = env.int("SIGNAL_PORT", default=8084)
# A destination's API hosts are settings of its own, named by its folder
# (integrations/destinations/<key>/: `Host`), read from here when set, else the environment.

# How long a delivery keeps retrying transient failures before it is marked failed.
SIGNAL_RETRY_WINDOW_SECONDS = env.int("SIGNAL_RETRY_WINDOW_SECONDS", default=4 * 3600)
# Multiplies the whole backoff schedule (2 s doubling to 60 s, plus 1-5 s jitter); tests
# shrink it so a retry storm plays out in seconds.
SIGNAL_BACKOFF_SCALE = env.float("SIGNAL_BACKOFF_SCALE", default=1.0)
# Largest collection request body, enforced before the body is read.
SIGNAL_MAX_BODY_BYTES = env.int("SIGNAL_MAX_BODY_BYTES", default=4 * 1024 * 1024)
# Events one collection request may carry (as many as a destination's biggest batch);
# a batch over it is refused whole, before any event is validated.
SIGNAL_MAX_EVENTS_PER_REQUEST = env.int("SIGNAL_MAX_EVENTS_PER_REQUEST", default=2000)
# Largest event, as its stored JSON (Segment's clients stop at 32 KB); one over it is
# rejected alone, its neighbours kept.
SIGNAL_MAX_EVENT_BYTES = env.int("SIGNAL_MAX_EVENT_BYTES", default=64 * 1024)
# Proxies (CIDRs) whose X-Forwarded-For is believed for the client IP; none by default.
SIGNAL_TRUSTED_PROXIES = env.list("SIGNAL_TRUSTED_PROXIES", default=[])
# Database connections the collection API writes through (threads on SQLite, an async
# pool on PostgreSQL).
SIGNAL_COLLECT_THREADS = env.int("SIGNAL_COLLECT_THREADS", default=16)
SIGNAL_HTTP_TIMEOUT_SECONDS = env.float("SIGNAL_HTTP_TIMEOUT_SECONDS", default=10.0)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "csp",
    "integrations",
    "delivery",
    "signal_admin.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "signal_admin.csp.SignalCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]
# A strict Content-Security-Policy on every page (signal_admin/csp.py): scripts, styles and
# connections only from this origin, no inline script or style, no framing. Django's admin
# has inline scripts and is left without the header.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/django-admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],  # plus this host's ws:// or wss:// (SignalCSPMiddleware)
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}
# Login throttling (django-axes): after 5 failed logins for one username from one address,
# that pair is locked out for 15 minutes; a successful login resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("SIGNAL_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGNAL_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "signal_admin.urls"
ASGI_APPLICATION = "signal_admin.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "signal_admin.context_processors.demo",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'signal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker thread read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    if DATABASES["default"]["NAME"] != ":memory:":
        VAR_DIR.mkdir(parents=True, exist_ok=True)
else:
    # Persistent connections, checked before reuse: the collector's threads and the workers
    # keep theirs instead of connecting for every request or task.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=300))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Parameters travel apart from the SQL: the bulk inserts and id lists of the hot
        # paths skip quoting thousands of values into the query text in Python.
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "integrations:installed"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The workers' wake-up marks (delivery.wakeups) must be seen by every process.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }

# Celery: the database is the record of truth for deliveries; the broker only carries ids.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than the task time limit, so a running task is never handed to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "polling_interval": 0.1}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker outlives any Redis outage or restart (see signal_admin.broker): it reconnects for
# as long as it takes, and lets the tasks it holds finish; their rows are in the database.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_DEFAULT_QUEUE = "delivery"
# Celery closes the database connection around every task unless told to reuse it; a new
# PostgreSQL connection per task (a backend started, its caches filled) cost more than most
# tasks. Reused, it is still dropped when broken or past CONN_MAX_AGE (signal_admin.celery).
CELERY_DB_REUSE_MAX = 10_000
SIGNAL_SWEEP_INTERVAL_SECONDS = env.float("SIGNAL_SWEEP_INTERVAL_SECONDS", default=5.0)
# Delivered, suppressed and filtered rows are pruned after this; failed ones after the second.
# At least 2 days: the dashboard counts and charts the last day.
SIGNAL_RETENTION_DAYS = max(2, env.int("SIGNAL_RETENTION_DAYS", default=7))
SIGNAL_FAILED_RETENTION_DAYS = max(
    SIGNAL_RETENTION_DAYS, env.int("SIGNAL_FAILED_RETENTION_DAYS", default=30)
)
SIGNAL_PRUNE_INTERVAL_SECONDS = env.float("SIGNAL_PRUNE_INTERVAL_SECONDS", default=600.0)
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {"task": "delivery.tasks.sweep", "schedule": SIGNAL_SWEEP_INTERVAL_SECONDS},
    "prune": {"task": "delivery.tasks.prune", "schedule": SIGNAL_PRUNE_INTERVAL_SECONDS},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("SIGNAL_LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "daphne": {"level": "WARNING"}},
}

# Tests share their database with the processes they start, so SQLite's test DB is a file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One file per test run, so parallel runs on one checkout never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# A sender holds the deliveries it claimed this long, renewing the hold every fifth of it
# while it sends (delivery.lease): a killed worker's rows are due again within one lease.
# It must exceed the HTTP timeout by a quarter, so a request never outlives the hold (signal.E010).
SIGNAL_SEND_LEASE_SECONDS = env.float("SIGNAL_SEND_LEASE_SECONDS", default=15.0)
