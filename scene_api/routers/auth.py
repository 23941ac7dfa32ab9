"""``/api/auth``: log in (a session cookie for the viewer and a bearer token for API
clients), log out, and who am I. Failed logins are throttled (429 with Retry-After)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.services.identity import SESSION_COOKIE, client_ip, find_principal, principal_of
from twin.auth.oidc import enabled as oidc_enabled

router = APIRouter(prefix="/api/auth", tags=["auth"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


@router.post(
    "/login",
    summary="Log in with a local user's name and password",
    responses=error_responses(400, 401, 422, 429, 503),
)
async def login(body: LoginIn, request: Request, ctx: Ctx) -> JSONResponse:
    request.state.audit_actor = body.username
    ip = client_ip(request)
    session = await run_in_threadpool(ctx.users.login, body.username, body.password, ip)
    user = session.user
    out = {
        "token": session.token,
        "token_type": "bearer",
        "expires_at": session.expires_at,
        "user": user.name,
        "roles": list(user.roles),
        "department": user.department,
    }
    response = JSONResponse(out, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=ctx.settings.auth.session_ttl_s,
        httponly=True,
        samesite="strict",
        secure=ctx.settings.auth.cookie_secure,
        path="/",
    )
    return response


@router.post("/logout", summary="End this session", status_code=204, responses=error_responses(503))
async def logout(request: Request, ctx: Ctx) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    session = token.strip() if scheme.lower() == "bearer" else ""
    session = session or request.cookies.get(SESSION_COOKIE, "")
    if session:
        await run_in_threadpool(ctx.users.logout, session)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", samesite="strict")
    return response


@router.get("/me", summary="Who the caller is", responses=error_responses(401, 503))
async def me(request: Request, ctx: Ctx) -> dict[str, Any]:
    who = await run_in_threadpool(principal_of, request, ctx.settings)
    return {"user": who.user, "roles": sorted(who.roles), "department": who.department}


@router.get(
    "/status",
    summary="Whether logins are configured, and who the caller is if known",
    responses=error_responses(503),
)
async def status(request: Request, ctx: Ctx) -> dict[str, Any]:
    who = await run_in_threadpool(find_principal, request, ctx.settings)
    users = await run_in_threadpool(ctx.users.count)
    return {
        "users_configured": users > 0,
        "tokens_configured": bool(ctx.settings.auth.tokens),
        "oidc_enabled": oidc_enabled(ctx.settings.auth.oidc),  # /api/auth/oidc/login
        "user": who.user if who else None,
        "roles": sorted(who.roles) if who else [],
    }
