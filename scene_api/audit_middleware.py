"""ASGI middleware: the IP allow-list, and an audit entry for every write request.

Reads (GET, HEAD, OPTIONS) pass straight through. A write (any other method) is
recorded after its response with who (the principal the handler found, or the user
name a login tried), what (method and path), the status and the address. A request
from outside ``auth.ip_allow`` gets 403 before any handler runs.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scene_api.services.identity import ip_allowed
from twin.submissions.principal import Principal

log = logging.getLogger("scene_api.audit")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class AuditMiddleware:
    def __init__(self, app: ASGIApp, ctx: Any) -> None:
        self.app = app
        self.ctx = ctx  # scene_api.context.SceneContext (Any: no import cycle)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        ip = str(client[0]) if client else ""
        if not ip_allowed(ip, self.ctx.settings.auth.ip_allow):
            await _refuse(scope, send)
            return
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            await self._record(scope, ip, status[0] if status else 500)

    async def _record(self, scope: Scope, ip: str, status: int) -> None:
        state = scope.get("state") or {}
        principal = state.get("principal")
        actor = principal.user if isinstance(principal, Principal) else None
        actor = actor or str(state.get("audit_actor") or "-")
        query = scope.get("query_string", b"").decode("latin-1")
        detail = {"query": query} if query else {}
        try:
            await anyio.to_thread.run_sync(
                lambda: self.ctx.audit.append(
                    actor=actor,
                    action=f"{scope['method']} {scope['path']}",
                    target=str(scope["path"]),
                    ip=ip,
                    status=status,
                    detail=detail,
                )
            )
        except Exception:  # the write happened; losing its entry is logged loudly
            log.exception("audit entry not written", extra={"path": scope["path"]})


async def _refuse(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": "address not allowed"})
        return
    body = json.dumps(
        {"code": "forbidden", "description": "this address may not use the server"}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
