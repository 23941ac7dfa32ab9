"""``twin serve [--host 127.0.0.1] [--port 8000] [--workers N]``"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from twin.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the scene API and the 3D viewer")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int)
    p.set_defaults(handler=run)


def server_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    updates = {
        k: v
        for k, v in {"host": args.host, "port": args.port, "workers": args.workers}.items()
        if v
    }
    return settings.model_copy(update={"server": settings.server.model_copy(update=updates)})


log = logging.getLogger("twin.cli.serve")


def migrate_catalog(settings: Settings) -> None:
    """Bring the catalog schema up to date before serving (idempotent); say who may read
    without logging in (``auth.anonymous_read``), on stderr and in the log."""
    from storage.auth.users import UserStore
    from storage.factory import open_catalog
    from twin.auth.permissions import anonymous_notice

    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        accounts = bool(settings.auth.tokens) or UserStore(catalog).count() > 0
    finally:
        catalog.close()
    notice = anonymous_notice(settings.auth.anonymous_read, accounts=accounts)
    print(f"twin serve: {notice}", file=sys.stderr)
    log.warning("read access: %s", notice, extra={"anonymous_read": settings.auth.anonymous_read})


def run(args: argparse.Namespace, settings: Settings) -> int:
    from scene_api.server import run as run_server

    s = server_settings(args, settings)
    migrate_catalog(s)
    run_server(s, host=s.server.host, port=s.server.port, workers=s.server.workers)
    return 0
