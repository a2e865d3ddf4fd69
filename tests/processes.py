"""The project run in a child process, as an operator runs it, with only the environment a test
gives: nothing from the test runner's own environment leaks in."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
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
