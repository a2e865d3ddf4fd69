"""The shipped Varnish configuration (deploy/varnish/default.vcl) run for real, in front of a
backend on this machine: for the proxy's integration tests and bench/edge.py.

Each instance is its own ``varnishd -n <folder>`` on a free port, in the foreground, never
Debian's system service; it runs as the current user (``-j none``), so its folder may be a
private temporary one.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.processes import BASE_DIR, start, stop, wait_until
from tests.services import free_port, require_varnishd

SHIPPED_VCL = BASE_DIR / "deploy" / "varnish" / "default.vcl"

_BACKEND = re.compile(r'^backend default \{ \.host = "[^"]*"; \.port = "\d+"; \}$', re.M)
_PURGERS = re.compile(r"^acl purgers \{\n.*?^\}$", re.M | re.S)


def vcl_for(backend_port: int, *, purgers: Sequence[str] | None = None) -> str:
    """The shipped VCL with its backend on 127.0.0.1:``backend_port`` and, when given, other
    addresses in the ``purgers`` ACL. Fails when the lines to rewrite are not there, so a
    change to the shipped file cannot silently leave a test on the wrong backend."""
    text = SHIPPED_VCL.read_text()
    backend = f'backend default {{ .host = "127.0.0.1"; .port = "{backend_port}"; }}'
    text, replaced = _BACKEND.subn(backend, text)
    assert replaced == 1, f"{SHIPPED_VCL} has no one-line `backend default` to rewrite"
    if purgers is not None:
        entries = "".join(f'    "{address}";\n' for address in purgers)
        text, replaced = _PURGERS.subn(f"acl purgers {{\n{entries}}}", text)
        assert replaced == 1, f"{SHIPPED_VCL} has no `acl purgers` block to rewrite"
    return text


def compile_vcl(path: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    """``varnishd -C -f <path>``: compiles the VCL to C (and loads its vmods) without serving;
    ``workdir`` for varnishd's scratch files."""
    command = [require_varnishd(), "-C", "-j", "none", "-n", str(workdir.resolve())]
    return subprocess.run(
        [*command, "-f", str(path.resolve())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@dataclass
class Varnish:
    url: str
    workdir: Path
    log: Path

    def counters(self) -> dict[str, int]:
        """varnishstat's counters (``MAIN.cache_hit``, ``MAIN.backend_req``, ...) right now."""
        out = subprocess.run(
            [varnishstat(), "-n", str(self.workdir), "-j"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        data = json.loads(out)
        counters = data.get("counters", data)  # varnishstat 6.5+ nests them
        return {
            name: int(value["value"])
            for name, value in counters.items()
            if isinstance(value, dict) and "value" in value
        }


@contextmanager
def running_varnish(
    backend_port: int,
    folder: Path,
    *,
    purgers: Sequence[str] | None = None,
    port: int | None = None,
    storage: str = "malloc,256m",
    parameters: Sequence[str] = (),
) -> Iterator[Varnish]:
    """``varnishd`` with the shipped VCL (see :func:`vcl_for`) on 127.0.0.1:``port`` (a free
    one by default) until the block ends. ``parameters`` are extra ``-p name=value``."""
    varnishd = require_varnishd()
    folder.mkdir(parents=True, exist_ok=True)
    vcl = folder / "default.vcl"
    vcl.write_text(vcl_for(backend_port, purgers=purgers))
    port = port or free_port()
    workdir = folder / "varnish"
    log = folder / "varnishd.log"
    command = [varnishd, "-F", "-j", "none", "-n", str(workdir)]
    command += ["-a", f"127.0.0.1:{port}", "-f", str(vcl.resolve()), "-s", storage]
    for parameter in parameters:
        command += ["-p", parameter]
    process = start(command, {"PATH": "/usr/sbin:/usr/bin:/bin"}, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url), "varnishd", [process], timeout=60)
        yield Varnish(url, workdir, log)
    finally:
        stop(process)


def varnishstat() -> str:
    """varnishstat (Debian's varnish package, beside varnishd)."""
    return shutil.which("varnishstat") or "/usr/bin/varnishstat"


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/healthz", timeout=1)
    except httpx.TransportError:
        return False
    return True
