"""The project run in a child process, as an operator runs it, with only the environment a test
gives: nothing from the test runner's own environment leaks in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def run_python(
    args: Sequence[str], env: Mapping[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python <args>`` in the project directory; the child sees ``env`` plus PATH and HOME."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def manage(
    args: Sequence[str], env: Mapping[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python manage.py <args>``, as :func:`run_python`."""
    return run_python(["manage.py", *args], env, timeout)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A long-running process (a server, a worker) in the project directory, its output in
    ``log``; only ``env`` for its environment. End it with :func:`stop`."""
    with log.open("w") as output:
        return subprocess.Popen(
            args,
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 10 seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_until(
    ready: Callable[[], bool],
    what: str,
    processes: list[subprocess.Popen],
    timeout: float = 30.0,
) -> None:
    """Poll ``ready`` until true; fail when ``timeout`` passes or one of ``processes`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"{what}: {process.args[:4]} exited with {process.returncode}")
        if ready():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not ready within {timeout}s")
