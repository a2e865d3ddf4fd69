"""Settings come from the environment; the defaults are the embedded ones; production is safe."""

from __future__ import annotations

import json
import re
import subprocess

from tests.processes import BASE_DIR, run_python

_SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "debug": s.DEBUG,
    "db": s.DATABASES["default"]["ENGINE"],
    "db_name": str(s.DATABASES["default"]["NAME"]),
    "cache": s.CACHES["default"]["BACKEND"],
    "sessions": s.SESSION_ENGINE,
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "centra": s.CENTRA_API_URL,
}))
"""

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-8f7a6c5d4e3b2a1908f7e6d5c4",
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "postgres://shop@db.example.com:5432/shop",
    "CACHE_URL": "redis://cache.example.com:6379/0",
    "CELERY_BROKER_URL": "redis://cache.example.com:6379/1",
    "CENTRA_API_URL": "https://example.centra.com/api/checkout/",
    "CENTRA_SHARED_SECRET": "secret-from-the-plugin-settings",
    "CENTRA_WEBHOOK_SECRET": "webhook-secret",
}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_python(args, env, timeout=60)


def test_embedded_defaults_boot_with_no_environment_at_all() -> None:
    result = run(["-c", _SHOW_SETTINGS], {"DJANGO_SETTINGS_MODULE": "storefront.settings"})
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown == {
        "debug": True,
        "db": "django.db.backends.sqlite3",
        "db_name": str(BASE_DIR / "db.sqlite3"),
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "sessions": "django.contrib.sessions.backends.db",
        "eager": True,
        "centra": "",
    }
    check = run(["manage.py", "check"], {})
    assert check.returncode == 0, check.stderr
    assert "System check identified no issues" in check.stdout


def test_production_environment_switches_every_service() -> None:
    result = run(
        ["-c", _SHOW_SETTINGS], {"DJANGO_SETTINGS_MODULE": "storefront.settings", **PRODUCTION_ENV}
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["db"] == "django.db.backends.postgresql"
    # Django's Redis cache, keeping one client per connection pool (storefront.redis_cache).
    assert shown["cache"] == "storefront.redis_cache.RedisCache"
    assert shown["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert shown["eager"] is False
    assert shown["centra"] == "https://example.centra.com/api/checkout/"


def test_check_deploy_is_clean_in_production() -> None:
    env = {
        **PRODUCTION_ENV,
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
    }
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_leaves_only_what_the_proxy_owns_by_default() -> None:
    result = run(["manage.py", "check", "--deploy"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    reported = set(re.findall(r"\((security\.W\d+)\)", result.stdout + result.stderr))
    # HSTS (W004) and the HTTPS redirect (W008) belong to the TLS-terminating proxy by default.
    assert reported == {"security.W004", "security.W008"}


def test_debug_off_without_a_secret_key_refuses_to_start() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is false." in result.stderr


def test_real_centra_without_shared_secret_refuses_to_start() -> None:
    result = run(
        ["manage.py", "check"], {"CENTRA_API_URL": "https://example.centra.com/api/checkout/"}
    )
    assert result.returncode != 0
    assert "CENTRA_SHARED_SECRET is not" in result.stderr
    # The message names the variable, never a value that could be a secret.
    assert "example.centra.com" not in result.stderr


_SHOW_SCHEDULE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps(s.CELERY_BEAT_SCHEDULE))
"""


def test_periodic_full_resync_is_scheduled_and_can_be_turned_off() -> None:
    base = {"DJANGO_SETTINGS_MODULE": "storefront.settings"}
    default = json.loads(run(["-c", _SHOW_SCHEDULE], base).stdout)
    hourly = json.loads(
        run(["-c", _SHOW_SCHEDULE], {**base, "CATALOG_RESYNC_MINUTES": "60"}).stdout
    )
    off = json.loads(run(["-c", _SHOW_SCHEDULE], {**base, "CATALOG_RESYNC_MINUTES": "0"}).stdout)
    assert default == {
        "catalog-full-resync": {
            "task": "catalog.tasks.full_sync_task",
            "schedule": 360 * 60,
            "kwargs": {"trigger": "schedule"},
        }
    }
    assert hourly["catalog-full-resync"]["schedule"] == 3600
    assert off == {}


def test_every_environment_variable_is_documented_in_the_readme() -> None:
    source = (BASE_DIR / "storefront" / "settings.py").read_text()
    read = set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table_rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented = {
        name for row in table_rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1])
    }
    assert len(read) > 30  # the pattern still finds the settings
    assert read - documented == set(), "read from the environment but not in the README table"
    assert documented - read == set(), "in the README table but never read"


def test_a_cache_urls_key_prefix_reaches_django() -> None:
    show = (
        "import json, django\ndjango.setup()\nfrom django.core.cache import cache\n"
        "print(json.dumps([cache.key_prefix, cache.make_key('k')]))"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "storefront.settings",
        "CACHE_URL": "redis://127.0.0.1:6379/12?key_prefix=shop-a",
    }
    result = run(["-c", show], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["shop-a", "shop-a:1:k"]
