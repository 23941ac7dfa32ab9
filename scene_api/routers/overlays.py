"""``/api/overlays``: live changes of problems, projects and indicators.

``GET /api/overlays/ws?since=&channels=`` (websocket): hello, the catch-up after
``since``, then live events (see ``twin.overlays.stream_events``); a client told to
reconnect (close code 4001, or 1012 on restart) reconnects with ``since`` = the last seq
it received. ``GET /api/overlays/events?since=&limit=``: the same events over HTTP.
Both are reads, open to every caller like the other reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query, WebSocket
from fastapi.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from twin.errors import TwinError
from twin.overlays.channels import CHANNELS, parse_channels
from twin.overlays.stream_events import Close, stream_events
from twin.overlays.wire import EventsPage, event_frame

log = logging.getLogger("scene_api.overlays")
router = APIRouter(prefix="/api/overlays", tags=["overlays"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
Since = Annotated[int | None, Query(ge=0, description="the last seq the client received")]
Channels = Annotated[
    str | None, Query(description=f"comma-separated channels of {', '.join(CHANNELS)}; all")
]
POLICY_CLOSE = 1008  # the websocket "policy violation" close: bad parameters
UNAVAILABLE_CLOSE = 1011


@router.get(
    "/events",
    summary="Overlay events after a sequence number (the catch-up of the websocket)",
    responses=error_responses(400, 422, 503),
)
def list_events(
    ctx: Ctx,
    since: Annotated[int, Query(ge=0, description="events with a larger seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> JSONResponse:
    events, latest = ctx.overlays.events.page(since, limit=limit)
    page: EventsPage = {"events": [event_frame(e) for e in events], "latest": latest}
    return JSONResponse(dict(page), headers={"Cache-Control": "no-store"})


@router.websocket("/ws")
async def overlays_ws(websocket: WebSocket, since: Since = None, channels: Channels = None) -> None:
    ctx: SceneContext = websocket.app.state.ctx
    await websocket.accept()
    try:
        wanted = parse_channels(channels)
    except TwinError as exc:
        await websocket.close(code=POLICY_CLOSE, reason=exc.message[:120])
        return
    session = asyncio.create_task(
        stream_events(ctx.overlays, websocket.send_text, since=since, channels=wanted)
    )
    listening = asyncio.create_task(_until_disconnect(websocket))
    try:
        await asyncio.wait({session, listening}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        listening.cancel()
        if not session.done():
            session.cancel()
        results = await asyncio.gather(session, listening, return_exceptions=True)
    await _close(websocket, results[0])


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


async def _close(websocket: WebSocket, outcome: Close | BaseException | None) -> None:
    if websocket.client_state != WebSocketState.CONNECTED:
        return
    if isinstance(outcome, Close):
        code, reason = outcome.code, outcome.reason
    elif isinstance(outcome, TwinError):
        code, reason = UNAVAILABLE_CLOSE, f"{outcome.message[:80]}: reconnect later"
    else:
        if isinstance(outcome, Exception) and not isinstance(
            outcome, OSError | RuntimeError | WebSocketDisconnect
        ):
            log.error("an overlay session failed", exc_info=outcome)
        return  # the client left (the session was cancelled or its send failed)
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(code=code, reason=reason)
