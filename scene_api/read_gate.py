"""ASGI middleware: who may use the data routes without credentials.

The data routes are ``/api/...`` (but ``/api/auth/...``, where one logs in), ``/tiles/...``,
``/scene/...`` and ``/ogc...``; the viewer's files, ``/healthz`` and the API docs stay
open so a browser can show the login.

* A read (GET, HEAD, OPTIONS, a websocket, and the POSTs of ``/api/analysis/`` that only
  compute) with no valid credentials is refused with 401 unless ``auth.anonymous_read``
  lets this caller read (a websocket is closed before it opens).
* A write (any other method) with no valid credentials is refused with 401 here, before
  any handler or body validation runs: a new write route is closed even if it forgets to
  check. The routes then check roles, rights and restricted layers themselves.
"""

from __future__ import annotations

import json
from typing import Any

import anyio.to_thread
from starlette.requests import HTTPConnection
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from scene_api.services.access import anonymous_may_read, caller
from scene_api.services.identity import principal_of
from twin.errors import TwinError, UnauthorizedError

GATED = ("/api/", "/tiles/", "/scene/", "/ogc/")
OPEN = ("/api/auth/",)
#: POSTs that only compute an answer from what the caller may read (a saved corridor is
#: a write: its handler asks for credentials)
COMPUTE = ("/api/analysis/",)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MESSAGE = (
    "this server answers only logged-in callers here: log in (POST /api/auth/login) or send "
    "'Authorization: Bearer <token>'"
)
DEMO_MESSAGE = (
    "no users or API tokens are configured: this server answers reads from its own machine "
    "only (create the first admin with `twin users add NAME --role admin`)"
)


def gated(path: str) -> bool:
    if path == "/ogc":
        return True
    return path.startswith(GATED) and not path.startswith(OPEN)


def is_write(scope: Scope) -> bool:
    """A write to a route that exists (a wrong method or path stays a 405 or 404)."""
    if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
        return False
    if str(scope["path"]).startswith(COMPUTE):
        return False
    app = scope.get("app")
    routes = getattr(getattr(app, "router", None), "routes", None)
    if routes is None:
        return True
    # the viewer's static files are mounted at "/" and match any path: not a write route
    return any(
        route.matches(scope)[0] == Match.FULL for route in routes if not isinstance(route, Mount)
    )


class ReadGate:
    def __init__(self, app: ASGIApp, ctx: Any) -> None:
        self.app = app
        self.ctx = ctx  # scene_api.context.SceneContext (Any: no import cycle)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not gated(str(scope["path"])):
            await self.app(scope, receive, send)
            return
        auth = self.ctx.settings.auth
        write = is_write(scope)
        open_reads = auth.anonymous_read == "all" or (auth.anonymous_read == "auto" and auth.tokens)
        if open_reads and not write:
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        try:
            refused = await anyio.to_thread.run_sync(self._refused, conn, write)
        except TwinError as exc:  # e.g. the catalog is down: 503 + Retry-After, as routes say
            await _fail(scope, send, exc)
            return
        if refused is None:
            await self.app(scope, receive, send)
            return
        await _refuse(scope, send, refused)

    def _refused(self, conn: HTTPConnection, write: bool) -> str | None:
        """None when the caller may go on, else why not."""
        if write:
            try:
                principal_of(conn, self.ctx.settings)
            except UnauthorizedError as exc:
                return exc.message
            return None
        if anonymous_may_read(conn, self.ctx) or caller(conn, self.ctx) is not None:
            return None
        auth = self.ctx.settings.auth
        demo = auth.anonymous_read == "auto" and not auth.tokens
        return DEMO_MESSAGE if demo else MESSAGE


async def _fail(scope: Scope, send: Send, exc: TwinError) -> None:
    """The error answer of a check that could not be made (``{code, description}``)."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1011, "reason": exc.code})
        return
    body = json.dumps(exc.to_dict()).encode()
    extra: dict[str, str] = getattr(exc, "headers", None) or {}
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *((k.lower().encode(), v.encode()) for k, v in extra.items()),
    ]
    await send({"type": "http.response.start", "status": exc.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse(scope: Scope, send: Send, message: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": "log in first"})
        return
    body = json.dumps({"code": "unauthorized", "description": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", b'Bearer realm="twin"'),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})
