"""``python -m centra_sandbox`` as a real HTTP server in a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from centra_sandbox import DEFAULT_SHARED_SECRET

READY_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(*args: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "centra_sandbox", "--port", str(port), *args],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"sandbox exited early:\n{log.read_text()}")
        try:
            httpx.get(f"{base}/api/checkout/languages", headers={"API-token": "none"}, timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    pytest.fail(f"sandbox did not answer within {READY_TIMEOUT}s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("live")
    db = folder / "sandbox.sqlite3"
    process, base = start(
        "--products", "25", "--seed", "3", "--db", str(db), "--shared-secret", "s3cret",
        log=folder / "server.log",
    )  # fmt: skip
    try:
        yield base, folder
    finally:
        stop(process)


def test_server_announces_where_it_listens(live: tuple[str, Path]) -> None:
    base, folder = live
    output = (folder / "server.log").read_text()
    assert "loaded 25 demo products (seed 3)" in output
    assert f"Centra sandbox listening on {base}/api/checkout/" in output


def test_catalog_over_real_http(live: tuple[str, Path]) -> None:
    base, _ = live
    with httpx.Client(base_url=f"{base}/api/checkout/", timeout=5) as client:
        response = client.post("products", json={"limit": 3})
        assert response.status_code == 200
        body = response.json()
        assert body["productCount"] <= 25
        assert len(body["products"]) == 3
        media_url = next(p for p in body["products"] if p["media"])["media"]["standard"][0]
        assert media_url.startswith(f"{base}/media/standard/")
        image = client.get(media_url)
        assert image.status_code == 200
        assert image.text.startswith("<svg")
        token = body["token"]
        again = client.get("languages", headers={"API-token": token})
        assert again.json()["token"] == token


def test_shared_secret_from_the_command_line(live: tuple[str, Path]) -> None:
    base, _ = live
    url = f"{base}/api/checkout/markets"
    assert httpx.get(url, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    default = httpx.get(url, headers={"Authorization": f"Bearer {DEFAULT_SHARED_SECRET}"})
    assert default.status_code == 401


def test_encoded_slash_stays_in_its_segment(live: tuple[str, Path]) -> None:
    base, _ = live
    response = httpx.get(f"{base}/api/checkout/products/..%2Flanguages")
    assert response.status_code == 404
    assert response.json()["errors"] == {"product": "not found"}


def test_existing_database_is_not_reloaded(tmp_path: Path, live: tuple[str, Path]) -> None:
    _, folder = live
    # The live server's file already holds a catalog: a second server on it serves it as is.
    process, base = start(
        "--db", str(folder / "sandbox.sqlite3"), "--products", "5", log=tmp_path / "second.log"
    )
    try:
        answer = httpx.post(f"{base}/api/checkout/products", json={"limit": 0}).json()
        assert answer["productCount"] > 5
    finally:
        stop(process)
    assert "loaded" not in (tmp_path / "second.log").read_text()


def test_bad_arguments_exit_with_usage() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "centra_sandbox", "--products", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "--products must be at least 1" in result.stderr
