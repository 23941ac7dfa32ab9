"""Command-line writes to layers: checked against the layer's rights, and audited.

``twin ingest KIND ... --layer L`` publishes a version of L, and ``twin layers delete L``
deletes it, so:

* with an identity (``twin --as-user NAME``), NAME must be an enabled user with the
  publish right on L (``twin.auth.permissions``: planners and admins by default, or a
  grant); otherwise it is refused (exit 2) before anything is read or written;
* without one, the shell user is the operator (who can read the data directory anyway);
* either way the audit log gets one entry per run, actor ``cli:<login>``, with the layer,
  the outcome (200, or the error's status) and the identity used, as the API's writes do.

``twin demo`` (which publishes the demo layers) is recorded when it starts.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from typing import Any

from storage.auth.audit import AuditLog
from storage.auth.permissions import PermissionStore
from storage.auth.users import UserStore
from storage.factory import open_catalog
from twin.auth.permissions import OPEN, policies_of
from twin.errors import ForbiddenError, TwinError
from twin.settings import Settings
from twin.submissions.principal import Principal

Handler = Callable[[argparse.Namespace, Settings], int]
log = logging.getLogger("twin.cli.audit")


def cli_actor() -> str:
    try:
        login = os.getlogin()
    except OSError:
        login = os.environ.get("USER", "unknown")
    return f"cli:{login}"


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command's handler; a layer write is checked first and audited after."""
    handler: Handler = args.handler
    command = getattr(args, "command", None)
    as_user: str | None = getattr(args, "as_user", None)
    if command == "demo":
        record(settings, action="cli: demo", target="demo", status=None, as_user=as_user)
        return handler(args, settings)
    layer = getattr(args, "layer", None)
    deleting = command == "layers" and getattr(args, "layers_op", None) == "delete"
    if not (command == "ingest" or deleting) or not isinstance(layer, str):
        return handler(args, settings)
    action = "cli: layers delete" if deleting else f"cli: ingest {getattr(args, 'kind', '')}"
    try:
        if as_user is not None:
            check_publish(settings, as_user, layer)
        code = handler(args, settings)
    except TwinError as exc:
        record(settings, action=action, target=layer, status=exc.http_status, as_user=as_user)
        raise
    except BaseException:
        record(settings, action=action, target=layer, status=500, as_user=as_user)
        raise
    record(settings, action=action, target=layer, status=200 if code == 0 else 500, as_user=as_user)
    return code


def check_publish(settings: Settings, user_name: str, layer: str) -> Principal:
    """The user, if they may publish ``layer``; ``ForbiddenError`` (or user not found) else."""
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        user = UserStore(catalog).get(user_name)
        grants = [(name, g) for name, g in PermissionStore(catalog).all() if name == layer]
    finally:
        catalog.close()
    if user.disabled:
        raise ForbiddenError(f"user {user_name!r} is disabled")
    who = Principal(user.name, frozenset(user.roles), user.department)
    policy = policies_of(grants).get(layer, OPEN)
    if not policy.may(who, "publish"):
        raise ForbiddenError(
            f"user {user_name!r} may not publish layer {layer!r} (planners, admins or a grant: "
            f"`twin layers grant {layer} --right publish --user {user_name}`)"
        )
    return who


def record(
    settings: Settings,
    *,
    action: str,
    target: str,
    status: int | None,
    as_user: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append the entry; a catalog that cannot take it is logged loudly, not raised (the
    write happened, or its own error is the one to show)."""
    extra = {**(detail or {}), **({"as_user": as_user} if as_user else {})}
    try:
        catalog = open_catalog(settings)
        try:
            catalog.migrate()
            AuditLog(catalog).append(
                actor=cli_actor(),
                action=action,
                target=target,
                ip="cli",
                status=status,
                detail=extra,
            )
        finally:
            catalog.close()
    except TwinError:
        log.exception("audit entry not written", extra={"action": action, "target": target})
