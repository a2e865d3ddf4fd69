"""Settings for Centra Storefront, read from the environment (and an optional ``.env`` file).

Every variable has a default that runs the store on a laptop with nothing else installed:
SQLite, local-memory cache, database sessions, Celery tasks run in-process, and the Centra
sandbox in-process. The README lists them all.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from cart.vip import parse_rule as parse_vip_rule

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# Only good enough for a laptop: production must set its own (checked below).
_DEV_SECRET_KEY = "django-insecure-dev-only-key-set-SECRET_KEY-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "csp",
    "catalog",
    "cart",
    "accounts",
    "routing",
    # Last: its ready() connects the HTTP cache purge after the other caches' listeners.
    "storefront",
]

MIDDLEWARE = [
    "storefront.correlation.CorrelationIdMiddleware",
    # The catalog's version tokens: read from the shared cache once per request.
    "catalog.request_tokens.OneReadPerRequest",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the path, the query or a cookie: NUL never goes further.
    "storefront.request_edge.RejectNulMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that may set a cookie: it decides what shared caches may keep.
    "storefront.cache_headers.HttpCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Strips a language prefix (/sv/...) and sets request.shopper; reads the session.
    "storefront.shopper.ShopperContextMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # With DEBUG on: the shop's 404 and 500 pages for shoppers, tracebacks in the console.
    "storefront.errors.FriendlyErrorsMiddleware",
]

ROOT_URLCONF = "storefront.urls"
WSGI_APPLICATION = "storefront.wsgi.application"

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
                "storefront.chrome.shopper",
                "accounts.context_processors.account",
                "storefront.http_cache.context",
            ],
        },
    },
]

# -- data -------------------------------------------------------------------------------------

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# django-environ hands a URL's ?key_prefix= on as "key_prefix", a name Django's caches ignore:
# without this, shops (or test runs) sharing one Redis database would share every key.
if "key_prefix" in CACHES["default"]:
    CACHES["default"]["KEY_PREFIX"] = CACHES["default"].pop("key_prefix")
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "storefront.redis_cache.RedisCache"
_shared_cache = CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache"
# With a shared cache (Redis), sessions read from it and persist to the database; without one,
# from the database alone, so every process sees the same session.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if _shared_cache
    else "django.contrib.sessions.backends.db"
)

# -- Celery -----------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker: tasks run in-process, synchronously, so the embedded store needs no service.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The queue (and exchange) this shop's tasks go through; set it when several shops share one
# Redis database as their broker.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")

# -- the catalog copy -------------------------------------------------------------------------

# Products per `POST products` page during a sync.
CATALOG_SYNC_PAGE_SIZE = env.int("CATALOG_SYNC_PAGE_SIZE", default=200)
# Minutes between scheduled full resyncs (a safety net behind webhooks); 0 turns them off.
CATALOG_RESYNC_MINUTES = env.int("CATALOG_RESYNC_MINUTES", default=360)
# Admin warns when the last successful full sync is older than this many minutes.
CATALOG_SYNC_STALE_MINUTES = env.int("CATALOG_SYNC_STALE_MINUTES", default=720)
# Webhooks are applied once they pause this many seconds, together, one fetch per id. Short:
# a change reaches shoppers through the HTTP cache within 2 s (bench/edge.py); a burst that
# never pauses is bounded by the maximum delay below, so Centra is not asked more often.
CATALOG_WEBHOOK_COALESCE_SECONDS = env.float("CATALOG_WEBHOOK_COALESCE_SECONDS", default=0.5)
# While deliveries keep coming, the longest they wait before being applied anyway.
CATALOG_WEBHOOK_MAX_DELAY_SECONDS = env.float("CATALOG_WEBHOOK_MAX_DELAY_SECONDS", default=30.0)
# Retries of a webhook batch after Centra failed (503, timeouts), then its events are failed.
CATALOG_WEBHOOK_MAX_RETRIES = env.int("CATALOG_WEBHOOK_MAX_RETRIES", default=5)
# Seconds before the first retry; each further one waits about twice as long.
CATALOG_WEBHOOK_RETRY_BACKOFF = env.float("CATALOG_WEBHOOK_RETRY_BACKOFF", default=10.0)
# Deliveries accepted per minute from one source address (0: no limit); Centra's bursts are
# far below it, a flood of forgeries is not.
CATALOG_WEBHOOK_RATE_LIMIT = env.int("CATALOG_WEBHOOK_RATE_LIMIT", default=1200)
CELERY_BEAT_SCHEDULE = (
    {
        "catalog-full-resync": {
            "task": "catalog.tasks.full_sync_task",
            "schedule": CATALOG_RESYNC_MINUTES * 60,
            "kwargs": {"trigger": "schedule"},
        }
    }
    if CATALOG_RESYNC_MINUTES > 0
    else {}
)

# -- checkout -----------------------------------------------------------------------------------
# "<email or domain>=<market id>[:<pricelist id>]" rules: matching shoppers are put in that
# market (and pricelist) at checkout, e.g. a hidden VIP market. Checked here so a typo fails at
# start-up, not at checkout.
VIP_MARKETS = env.list("VIP_MARKETS", default=[])
for _rule in VIP_MARKETS:
    try:
        parse_vip_rule(_rule)
    except ValueError as _error:
        raise ImproperlyConfigured(f"VIP_MARKETS: {_error}, e.g. vip.example.com=3:4") from None
# Request header holding the shopper's IP address as your proxy or CDN sets it (e.g.
# CF-Connecting-IP, or X-Forwarded-For: its first address); empty: the connection's address.
SHOPPER_IP_HEADER = env.str("SHOPPER_IP_HEADER", default="")

# -- the shopper context ----------------------------------------------------------------------

# Request header carrying the visitor's country code, set by a CDN or proxy (e.g. CF-IPCountry);
# empty: no such header is trusted.
SHOPPER_COUNTRY_HEADER = env.str("SHOPPER_COUNTRY_HEADER", default="")
# Country for visitors with no choice and no (usable) header; empty: a shippable country of the
# default market, preferring the default pricelist's.
SHOPPER_DEFAULT_COUNTRY = env.str("SHOPPER_DEFAULT_COUNTRY", default="").upper()
# Seconds a process keeps markets, countries, languages and the category tree before re-reading
# them when nothing announced a change (the sync's announcement refreshes them at once).
CATALOG_REFERENCE_CACHE_SECONDS = env.int("CATALOG_REFERENCE_CACHE_SECONDS", default=60)

# -- shopper pages ----------------------------------------------------------------------------

# Products per category and search page.
CATALOG_PAGE_SIZE = env.int("CATALOG_PAGE_SIZE", default=48)
# Hide products without a price in the shopper's pricelist from listings, search and the home
# page's rows (by default they are listed, as Centra lists them, marked as not sold here).
CATALOG_HIDE_UNPRICED = env.bool("CATALOG_HIDE_UNPRICED", default=False)
# Seconds a rendered catalog page may be served from the cache; a sync's change announcement
# invalidates it sooner.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
# Seconds CMS and fallback answers from Centra's `POST uri` are cached ("not found" included).
CMS_CACHE_SECONDS = env.int("CMS_CACHE_SECONDS", default=60)
# After Centra failed to answer, seconds before it is asked again.
CENTRA_DOWN_SECONDS = env.int("CENTRA_DOWN_SECONDS", default=15)
# Sign-in, register, password reset and newsletter attempts allowed per window, per IP address
# and per email address (accounts/rate_limits.py), counted in the cache.
ACCOUNT_RATE_LIMIT_WINDOW = env.int("ACCOUNT_RATE_LIMIT_WINDOW", default=300)
ACCOUNT_RATE_LIMIT_PER_IP = env.int("ACCOUNT_RATE_LIMIT_PER_IP", default=30)
ACCOUNT_RATE_LIMIT_PER_EMAIL = env.int("ACCOUNT_RATE_LIMIT_PER_EMAIL", default=6)
# Live `POST uri` lookups (CMS pages, paths the local copy does not hold) per minute for the
# whole shop, through the shared cache; past it such paths answer 503 until the minute ends.
CENTRA_LIVE_LOOKUPS_PER_MINUTE = env.int("CENTRA_LIVE_LOOKUPS_PER_MINUTE", default=20)
# Seconds a signed preview link stays valid.
PREVIEW_LINK_MAX_AGE = env.int("PREVIEW_LINK_MAX_AGE", default=3600)


def gettext_noop(message: str) -> str:
    """Marks a label for makemessages; it is translated where it is shown. (Importing
    django.utils.translation here would hide a settings error from manage.py.)"""
    return message


def _page_links(name: str, entries: list[str]) -> tuple[tuple[str, str], ...]:
    """ "<CMS page URI>=<English label>" entries as (uri, label) pairs."""
    pages = []
    for entry in entries:
        uri, sep, label = entry.partition("=")
        uri = uri.strip().strip("/")
        if not sep or not uri or not label.strip():
            raise ImproperlyConfigured(
                f"{name}: {entry!r} is not <uri>=<label>, e.g. about=About us"
            )
        pages.append((uri, label.strip()))
    return tuple(pages)


# The footer's links to the shop's CMS pages (customer service and about; legal), with labels
# translated through locale/ (gettext_noop puts the defaults' labels in the catalogs).
_FOOTER_DEFAULT = [
    "customer-service/shipping=" + gettext_noop("Shipping and delivery"),
    "customer-service/returns=" + gettext_noop("Returns"),
    "about=" + gettext_noop("About us"),
]
FOOTER_PAGES = _page_links("FOOTER_PAGES", env.list("FOOTER_PAGES", default=_FOOTER_DEFAULT))
_LEGAL_DEFAULT = [
    "terms=" + gettext_noop("Terms and conditions"),
    "privacy=" + gettext_noop("Privacy policy"),
]
LEGAL_PAGES = _page_links("LEGAL_PAGES", env.list("LEGAL_PAGES", default=_LEGAL_DEFAULT))
# Shoppers see the shop's own 404 and 500 pages even with DEBUG on (tracebacks go to the
# console log); true brings back Django's debug pages.
DEBUG_ERROR_PAGES = env.bool("DEBUG_ERROR_PAGES", default=False)
# URLs per sitemap file before the sitemap becomes an index.
SITEMAP_PAGE_SIZE = env.int("SITEMAP_PAGE_SIZE", default=10000)
# The CMS pages the sitemap lists (their URIs in Centra): Centra has no call that lists them.
# By default the pages the footer links to.
SITEMAP_CMS_PAGES = tuple(
    uri.strip().strip("/")
    for uri in env.list(
        "SITEMAP_CMS_PAGES", default=[uri for uri, _label in FOOTER_PAGES + LEGAL_PAGES]
    )
    if uri.strip().strip("/")
)

# -- shared HTTP caches (docs/http-cache.md) ----------------------------------------------------

# How long a proxy or CDN keeps a shopper-free page (s-maxage; 0: every response is private),
# and how long it may serve it stale while it fetches a fresh one.
HTTP_CACHE_SECONDS = env.int("HTTP_CACHE_SECONDS", default=300)
HTTP_CACHE_STALE_SECONDS = env.int("HTTP_CACHE_STALE_SECONDS", default=86400)
# The proxies (Varnish with deploy/varnish/default.vcl) a sync purges, e.g.
# "http://127.0.0.1:6081"; empty: nothing to purge.
HTTP_CACHE_PURGE_URLS = env.list("HTTP_CACHE_PURGE_URLS", default=[])
# This deploy's name (a git commit, say): part of every page's ETag, so new templates never
# answer 304 to a page the old ones drew.
RELEASE = env.str("RELEASE", default="dev")

# -- Centra -----------------------------------------------------------------------------------

CENTRA_API_URL = env.str("CENTRA_API_URL", default="")
CENTRA_SHARED_SECRET = env.str("CENTRA_SHARED_SECRET", default="")
CENTRA_WEBHOOK_SECRET = env.str("CENTRA_WEBHOOK_SECRET", default="")
CENTRA_TIMEOUT = env.float("CENTRA_TIMEOUT", default=10.0)
CENTRA_MAX_RETRIES = env.int("CENTRA_MAX_RETRIES", default=3)
CENTRA_RETRY_BACKOFF = env.float("CENTRA_RETRY_BACKOFF", default=0.25)
if CENTRA_API_URL and not CENTRA_SHARED_SECRET:
    raise ImproperlyConfigured(
        "CENTRA_API_URL is set but CENTRA_SHARED_SECRET is not: the storefront syncs the catalog "
        "and manages selections server-side, which needs the plugin's shared secret."
    )
if CENTRA_API_URL and not CENTRA_API_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("CENTRA_API_URL must be an absolute http(s) URL.")
# The embedded sandbox (used when CENTRA_API_URL is empty): its database file, the size of its
# demo catalog, and the path the storefront serves its browser pages (payment page, images) at.
CENTRA_SANDBOX_DB = env.str("CENTRA_SANDBOX_DB", default=str(BASE_DIR / "sandbox.sqlite3"))
CENTRA_SANDBOX_PRODUCTS = env.int("CENTRA_SANDBOX_PRODUCTS", default=60)
CENTRA_SANDBOX_MOUNT = "/sandbox"

# -- order events -----------------------------------------------------------------------------

# Where a signed "order completed" notification is POSTed once per order (docs/order-events.md);
# empty: none is recorded or sent.
ORDER_EVENT_URL = env.str("ORDER_EVENT_URL", default="")
# The HMAC key of X-Storefront-Signature; required with a URL. Never logged or stored.
ORDER_EVENT_SECRET = env.str("ORDER_EVENT_SECRET", default="")
# Seconds before one delivery attempt times out.
ORDER_EVENT_TIMEOUT = env.float("ORDER_EVENT_TIMEOUT", default=10.0)
# Retries after a failed attempt (non-2xx, timeout, connection error) before the event is failed.
ORDER_EVENT_MAX_RETRIES = env.int("ORDER_EVENT_MAX_RETRIES", default=5)
# Seconds before the first retry; each further retry waits twice as long (at most an hour).
ORDER_EVENT_RETRY_BACKOFF = env.float("ORDER_EVENT_RETRY_BACKOFF", default=60.0)
if ORDER_EVENT_URL and not ORDER_EVENT_SECRET:
    raise ImproperlyConfigured(
        "ORDER_EVENT_URL is set but ORDER_EVENT_SECRET is not: order events are signed, so "
        "receivers can tell them from forgeries."
    )
if ORDER_EVENT_URL and not ORDER_EVENT_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("ORDER_EVENT_URL must be an absolute http(s) URL.")
if ORDER_EVENT_MAX_RETRIES < 0 or ORDER_EVENT_TIMEOUT <= 0 or ORDER_EVENT_RETRY_BACKOFF < 0:
    raise ImproperlyConfigured(
        "ORDER_EVENT_TIMEOUT must be positive; ORDER_EVENT_MAX_RETRIES and "
        "ORDER_EVENT_RETRY_BACKOFF must not be negative."
    )

# -- HTTP and security ------------------------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# The interface's translations (make messages); the page's language is the shopper's
# (storefront.shopper), never the browser's Accept-Language.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_SAMESITE = "Lax"  # sent on a top-level return from a payment provider
CSRF_COOKIE_SECURE = not DEBUG
# No script of ours reads the CSRF cookie: forms carry the token in a hidden field.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# TLS ends at the reverse proxy in a typical deployment; it tells us the scheme it received.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Redirects to HTTPS and HSTS are the proxy's job by default (check --deploy's W008 and W004);
# set these to have Django do them instead.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# The content security policy of every page (django-csp): our own scripts, styles and frames
# only; images may come from Centra's media hosts (any https origin). A page that shows a
# payment provider's markup sets its own, narrower-or-wider-as-needed policy
# (cart/payment_policy.py), which the middleware leaves alone. The embedded sandbox's pages
# imitate a payment provider's and are not ours.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": [CENTRA_SANDBOX_MOUNT + "/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # The 500 page styles itself inline: it must render when static files cannot.
        "style-src": ["'self'", "'sha256-p5oUu0rNS+sdPCz8d8cQZ6JKzJJZOd3S1p+ciZigDEs='"],
        "img-src": ["'self'", "data:", "https:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# -- logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation_id": {"()": "centra.correlation.CorrelationIdFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["correlation_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
