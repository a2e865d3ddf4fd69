"""``centra.connection`` builds the one process-wide client from settings."""

from __future__ import annotations

import pytest

from centra import connection
from centra.errors import CentraUnavailable
from centra_sandbox import Sandbox
from tests.processes import run_python


def test_the_client_takes_its_limits_from_settings(settings, centra_sandbox: Sandbox) -> None:
    settings.CENTRA_TIMEOUT = 2.5
    settings.CENTRA_MAX_RETRIES = 1
    settings.CENTRA_RETRY_BACKOFF = 0.5
    connection.use_sandbox(centra_sandbox)  # drops the client built before the change

    client = connection.get_client()

    assert (client.timeout, client.max_retries, client.backoff) == (2.5, 1, 0.5)


@pytest.mark.parametrize("retries", [0, 2])
def test_a_failing_read_is_tried_once_plus_the_configured_retries(
    settings, centra_sandbox: Sandbox, retries: int
) -> None:
    settings.CENTRA_MAX_RETRIES = retries
    connection.use_sandbox(centra_sandbox)
    centra_sandbox.faults.down = "503"

    with pytest.raises(CentraUnavailable):
        connection.get_client().get("markets")

    assert centra_sandbox.request_counts["GET markets"] == retries + 1


# A production-like process: a real Centra URL (nothing listens there), its own SQLite file.
# It migrates, loads every module Django and Celery load, serves a catalog page and the
# probes, builds the client and reads through it, then reports which sandbox modules it holds.
_PRODUCTION_PROCESS = """
import sys, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("check")
from django.test import Client
from storefront.celery import app
app.loader.import_default_modules()
import storefront.wsgi, storefront.urls
client = Client()
statuses = [client.get(path).status_code for path in ("/", "/healthz", "/readyz", "/search?q=x")]
from centra.connection import get_client, get_sandbox
assert get_sandbox() is None
from centra.errors import CentraError
try:
    get_client().get("markets")
except CentraError:
    pass
print(statuses, sorted(name for name in sys.modules if name.startswith("centra_sandbox")))
"""


def test_a_process_configured_with_a_centra_url_never_imports_the_sandbox(tmp_path) -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "storefront.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
        "CENTRA_API_URL": "http://127.0.0.1:9/api/checkout/",
        "CENTRA_SHARED_SECRET": "not-the-sandbox",
        "CENTRA_MAX_RETRIES": "0",
        "CENTRA_TIMEOUT": "1",
        "ALLOWED_HOSTS": "testserver",
    }

    result = run_python(["-c", _PRODUCTION_PROCESS], env, timeout=120)

    assert result.returncode == 0, result.stderr
    # The pages answered (the home page without Centra's CMS article, readiness refused),
    # and not one module of the sandbox was loaded on the way.
    assert result.stdout.split("\n")[-2] == "[200, 200, 503, 200] []"
