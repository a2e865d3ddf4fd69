"""Run the sandbox as its own HTTP server: ``python -m centra_sandbox --port 8001``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from werkzeug.serving import run_simple

from centra_sandbox.app import DEFAULT_SHARED_SECRET, Sandbox, SandboxConfig
from centra_sandbox.demo import load_demo
from centra_sandbox.store import Store


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m centra_sandbox",
        description="A local, stateful Centra Checkout API with a demo catalog.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--products", type=int, default=60, help="demo catalog size")
    parser.add_argument("--seed", type=int, default=1, help="demo catalog seed")
    parser.add_argument(
        "--db", default=":memory:", help="SQLite file; the demo is loaded only when it is empty"
    )
    parser.add_argument("--shared-secret", default=DEFAULT_SHARED_SECRET)
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-secret", default=None)
    parser.add_argument("--latency-ms", type=int, default=0, help="delay every API answer")
    parser.add_argument(
        "--allowed-origin",
        action="append",
        default=[],
        dest="allowed_origins",
        help="an origin allowed to call without the secret (repeatable; none: any origin)",
    )
    parser.add_argument(
        "--public-url", default="", help="base URL browsers use (default: the request's host)"
    )
    args = parser.parse_args(argv)
    if args.products < 1:
        parser.error("--products must be at least 1")
    if args.latency_ms < 0:
        parser.error("--latency-ms must not be negative")
    return args


def build_sandbox(args: argparse.Namespace) -> Sandbox:
    store = Store(args.db)
    if not store.is_loaded():
        started = time.perf_counter()
        load_demo(store, products=args.products, seed=args.seed)
        elapsed = time.perf_counter() - started
        print(
            f"loaded {args.products} demo products (seed {args.seed}) in {elapsed:.2f}s", flush=True
        )
    config = SandboxConfig(
        shared_secret=args.shared_secret,
        allowed_origins=tuple(args.allowed_origins),
        public_url=args.public_url,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        latency_ms=args.latency_ms,
    )
    return Sandbox(store, config)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sandbox = build_sandbox(args)
    print(
        f"Centra sandbox listening on http://{args.host}:{args.port}/api/checkout/ "
        f"(control API: /_sandbox/)",
        flush=True,
    )
    run_simple(args.host, args.port, sandbox, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
