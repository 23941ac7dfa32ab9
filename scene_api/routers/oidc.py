"""``/api/auth/oidc``: single sign-on through an OpenID Connect provider.

``/login`` sends the browser to the provider (code flow, PKCE S256, state and nonce, kept
in a short-lived HttpOnly cookie); ``/callback`` checks the state, exchanges the code,
verifies the ID token, creates or updates the external user and starts a session exactly
like a password login (the ``twin_session`` cookie), then sends the browser to the viewer.
Every callback, accepted or refused, is written to the audit log.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from scene_api.context import SceneContext, get_ctx, root_path
from scene_api.models import error_responses
from scene_api.services.identity import SESSION_COOKIE, client_ip
from storage.auth.users import Session
from twin.auth.oidc import (
    PENDING_TTL_S,
    ExternalIdentity,
    OidcDisabledError,
    OidcProviderError,
    OidcStateError,
    PendingLogin,
    enabled,
    identity_from_claims,
)
from twin.auth.oidc_provider import OidcProvider
from twin.errors import TwinError

log = logging.getLogger("scene_api.oidc")
router = APIRouter(prefix="/api/auth/oidc", tags=["auth"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
PENDING_COOKIE = "twin_oidc"
_ERROR_CODE = re.compile(r"[^A-Za-z0-9_.-]")


def provider_of(request: Request, ctx: SceneContext) -> OidcProvider:
    """The app's provider client (its discovery and JWKS caches live as long as the app)."""
    oidc = ctx.settings.auth.oidc
    if not enabled(oidc):
        raise OidcDisabledError()
    provider: OidcProvider | None = getattr(request.app.state, "oidc_provider", None)
    if provider is None or provider.oidc is not oidc:
        provider = OidcProvider(oidc)
        request.app.state.oidc_provider = provider
    return provider


def callback_url(request: Request, ctx: SceneContext) -> str:
    return ctx.settings.auth.oidc.redirect_url or str(request.url_for("oidc_callback"))


@router.get(
    "/login",
    summary="Single sign-on: go to the identity provider (302)",
    status_code=302,
    response_class=RedirectResponse,
    responses=error_responses(404, 500, 503),
)
async def oidc_login(request: Request, ctx: Ctx) -> Response:
    provider = provider_of(request, ctx)
    pending = PendingLogin.new()
    url = await run_in_threadpool(provider.authorization_url, pending, callback_url(request, ctx))
    response = RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        PENDING_COOKIE,
        pending.to_cookie(),
        max_age=PENDING_TTL_S,
        httponly=True,
        samesite="lax",  # the provider sends the browser back with a cross-site GET
        secure=ctx.settings.auth.cookie_secure,
        path=root_path(request) + router.prefix,
    )
    return response


@router.get(
    "/callback",
    name="oidc_callback",
    summary="Single sign-on: the provider's answer; starts a session and goes to the viewer",
    status_code=302,
    response_class=RedirectResponse,
    responses=error_responses(400, 401, 403, 404, 409, 422, 500, 503),
)
async def oidc_callback(
    request: Request,
    ctx: Ctx,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    identity: ExternalIdentity | None = None
    try:
        provider = provider_of(request, ctx)
        pending = PendingLogin.from_cookie(request.cookies.get(PENDING_COOKIE, ""))
        if pending is None:
            raise OidcStateError("no single sign-on login was started here (or it was used)")
        pending.check(state)
        if error:
            reason = _ERROR_CODE.sub("", error)[:64] or "error"
            raise OidcProviderError(f"the identity provider refused the login: {reason}")
        if not code:
            raise OidcProviderError("the identity provider's answer has no code")
        claims = await run_in_threadpool(provider.login, code, pending, callback_url(request, ctx))
        identity = identity_from_claims(claims, ctx.settings.auth.oidc)
        session = await run_in_threadpool(ctx.users.login_external, identity, client_ip(request))
    except TwinError as exc:
        log.warning("single sign-on refused: %s", exc.message, extra={"code": exc.code})
        await _audit(request, ctx, identity, None, exc.http_status, {"error": exc.code})
        headers: dict[str, str] | None = getattr(exc, "headers", None)
        refused = JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=headers)
        _clear_pending(refused, request)
        return refused
    response = RedirectResponse(root_path(request) + "/", status_code=302)
    response.headers["Cache-Control"] = "no-store"
    _clear_pending(response, request)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=ctx.settings.auth.session_ttl_s,
        httponly=True,
        samesite="strict",
        secure=ctx.settings.auth.cookie_secure,
        path="/",
    )
    await _audit(request, ctx, identity, session, 302, {"roles": list(session.user.roles)})
    return response


def _clear_pending(response: Response, request: Request) -> None:
    response.delete_cookie(
        PENDING_COOKIE, path=root_path(request) + router.prefix, httponly=True, samesite="lax"
    )


async def _audit(
    request: Request,
    ctx: SceneContext,
    identity: ExternalIdentity | None,
    session: Session | None,
    status: int,
    detail: dict[str, Any],
) -> None:
    """The audit middleware records writes only; a single sign-on is a login, so it is
    recorded here (never the code or tokens of the query)."""
    actor = session.user.name if session else "-"
    if identity is not None:
        detail = {
            "method": "oidc",
            "issuer": identity.issuer,
            "subject": identity.subject,
            **detail,
        }
    try:
        await run_in_threadpool(
            lambda: ctx.audit.append(
                actor=actor,
                action=f"GET {request.url.path}",
                target=request.url.path,
                ip=client_ip(request),
                status=status,
                detail=detail,
            )
        )
    except Exception:  # the login happened or was refused; losing its entry is logged loudly
        log.exception("audit entry not written", extra={"path": request.url.path})
