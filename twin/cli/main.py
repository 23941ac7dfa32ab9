"""``twin``: ingest city data, publish 3D Tiles, serve the scene.

Settings are built once here (from TWIN_* variables and flags) and passed down.
Errors print one clear line and exit non-zero; no stack trace unless --debug.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from twin.cli import cmd_db, cmd_demo, cmd_export, cmd_ingest, cmd_layers, cmd_review, cmd_serve
from twin.errors import TwinError
from twin.logs import setup_logging
from twin.settings import Settings

log = logging.getLogger("twin.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twin", description="twin: ingest city data, publish 3D Tiles, serve the scene."
    )
    parser.add_argument(
        "--data-dir", help="data directory (default: $TWIN_DATA_DIR or ./twin-data)"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument(
        "--log-format", choices=["json", "text"], help="log line format (default json)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (cmd_ingest, cmd_review, cmd_export, cmd_layers, cmd_db, cmd_serve, cmd_demo):
        module.register(sub)
    return parser


def make_settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if args.data_dir:
        overrides["data_dir"] = Path(args.data_dir)
    if args.log_format:
        overrides["log_json"] = args.log_format == "json"
    return Settings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = make_settings(args)
        setup_logging(settings.log_level, settings.log_json)
        code: int = args.handler(args, settings)
        return code
    except TwinError as exc:
        if args.debug:
            log.exception("failed")
        print(f"twin: error: {exc.message} [{exc.code}]", file=sys.stderr)
        return 2 if 400 <= exc.http_status < 500 else 1
    except KeyboardInterrupt:
        print("twin: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an environment problem: one line unless --debug
        if args.debug:
            raise
        log.debug("unexpected error", exc_info=True)
        print(
            f"twin: internal error: {type(exc).__name__}: {str(exc)[:300]} "
            "(run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
