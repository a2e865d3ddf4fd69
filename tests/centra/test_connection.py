"""``centra.connection`` builds the one process-wide client from settings."""

from __future__ import annotations

import pytest

from centra import connection
from centra.errors import CentraUnavailable
from centra_sandbox import Sandbox


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
