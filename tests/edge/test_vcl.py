"""The shipped VCL compiles with the vmods it imports (xkey from varnish-modules, cookie, std):
what ``varnishd -C`` checks before an operator loads it."""

from __future__ import annotations

from pathlib import Path

from tests.varnish import SHIPPED_VCL, compile_vcl, vcl_for


def test_the_shipped_vcl_compiles_with_its_vmods(tmp_path: Path) -> None:
    done = compile_vcl(SHIPPED_VCL, tmp_path)

    assert done.returncode == 0, done.stderr[-3000:]
    # The C it compiled to loads the three vmods and keeps the purge ACL.
    for symbol in ("Vmod_vmod_xkey_Func", "Vmod_vmod_cookie_Func", "Vmod_vmod_std_Func"):
        assert symbol in done.stdout + done.stderr
    assert 'backend default { .host = "127.0.0.1"; .port = "8000"; }' in SHIPPED_VCL.read_text()


def test_the_vcl_the_tests_run_differs_only_in_backend_and_acl(tmp_path: Path) -> None:
    rewritten = vcl_for(18000, purgers=["192.0.2.1"])
    path = tmp_path / "default.vcl"
    path.write_text(rewritten)

    done = compile_vcl(path, tmp_path / "varnish")

    assert done.returncode == 0, done.stderr[-3000:]
    shipped = SHIPPED_VCL.read_text().splitlines()
    changed = [line for line in rewritten.splitlines() if line not in shipped]
    assert changed == [
        'backend default { .host = "127.0.0.1"; .port = "18000"; }',
        '    "192.0.2.1";',
    ]
