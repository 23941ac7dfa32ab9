"""``/api/layers/{layer}/permissions``: who may read, update and publish a layer (admins).

``GET`` lists the grants, ``PUT`` replaces them with the body's, ``DELETE`` revokes one
(``?right=&role=|user=|department=``) or, with no query, all (the layer is open again).
A layer need not exist yet: restrict it before its first ingest. Every change is in the
audit log twice over: the request (audit middleware) and what changed (before, after).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, model_validator

from scene_api.context import SceneContext, get_ctx
from scene_api.models import error_responses
from scene_api.services.identity import client_ip, principal_of
from twin.auth.permissions import DEFAULT_WRITERS, Grant, LayerPolicy, make_grant
from twin.errors import InvalidInputError, LayerNotFoundError, NotFoundError
from twin.naming import validate_layer_id

router = APIRouter(prefix="/api/layers", tags=["layers"])
Ctx = Annotated[SceneContext, Depends(get_ctx)]
LayerId = Annotated[str, Path(description="layer id (it need not exist yet)", max_length=63)]
RightName = Literal["read", "update", "publish"]
MAX_GRANTS = 1000


class GrantIn(BaseModel):
    """One grant: ``right`` for exactly one of ``role``, ``user`` or ``department``."""

    model_config = ConfigDict(extra="forbid")
    right: RightName
    role: str | None = Field(default=None, max_length=100)
    user: str | None = Field(default=None, max_length=100)
    department: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _one_subject(self) -> GrantIn:
        if sum(x is not None for x in (self.role, self.user, self.department)) != 1:
            raise ValueError("a grant names exactly one of role, user or department")
        return self

    def grant(self) -> Grant:
        for kind in ("role", "user", "department"):
            value = getattr(self, kind)
            if value is not None:
                return make_grant(self.right, kind, value)
        raise InvalidInputError("a grant names exactly one of role, user or department")


class PermissionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grants: list[GrantIn] = Field(max_length=MAX_GRANTS)


class GrantOut(BaseModel):
    right: RightName
    kind: Literal["role", "user", "department"]
    subject: str
    granted_by: str
    granted_at: str


class PermissionsOut(BaseModel):
    layer: str
    exists: bool
    restricted: bool = Field(
        description="a read grant exists: only admins and the grants' holders read the layer"
    )
    grants: list[GrantOut]
    default_writers: list[str] = Field(
        description="roles that update and publish the layer whenever they may read it"
    )


ERRORS = error_responses(400, 401, 403, 422, 503)


@router.get(
    "/{layer}/permissions",
    summary="Who may read, update and publish a layer (admins only)",
    response_model=PermissionsOut,
    responses=ERRORS,
)
async def get_permissions(layer: LayerId, request: Request, ctx: Ctx) -> dict[str, Any]:
    await _admin(request, ctx)
    return await run_in_threadpool(_state, ctx, layer)


@router.put(
    "/{layer}/permissions",
    summary="Replace a layer's grants (admins only; an empty list opens the layer)",
    response_model=PermissionsOut,
    responses=ERRORS,
)
async def put_permissions(
    layer: LayerId, body: PermissionsIn, request: Request, ctx: Ctx
) -> dict[str, Any]:
    who = await _admin(request, ctx)
    validate_layer_id(layer)
    grants = [g.grant() for g in body.grants]

    def change() -> dict[str, Any]:
        before = _grant_dicts(ctx, layer)
        ctx.access.store.replace(layer, grants, by=who)
        return _changed(ctx, request, who, layer, "replace", before)

    return await run_in_threadpool(change)


@router.delete(
    "/{layer}/permissions",
    summary="Revoke one grant of a layer, or all of them (admins only)",
    response_model=PermissionsOut,
    responses=error_responses(400, 401, 403, 404, 422, 503),
)
async def delete_permissions(
    layer: LayerId,
    request: Request,
    ctx: Ctx,
    right: Annotated[RightName | None, Query()] = None,
    role: Annotated[str | None, Query(max_length=100)] = None,
    user: Annotated[str | None, Query(max_length=100)] = None,
    department: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    who = await _admin(request, ctx)
    one: Grant | None = None
    if right is not None or role is not None or user is not None or department is not None:
        if right is None:
            raise InvalidInputError("revoking one grant needs its right")
        one = GrantIn(right=right, role=role, user=user, department=department).grant()

    def change() -> dict[str, Any]:
        before = _grant_dicts(ctx, layer)
        if one is None:
            ctx.access.store.clear(layer)
        elif not ctx.access.store.revoke(layer, one):
            raise NotFoundError(f"layer {layer!r} has no such grant")
        return _changed(ctx, request, who, layer, "revoke" if one else "clear", before)

    return await run_in_threadpool(change)


async def _admin(request: Request, ctx: SceneContext) -> str:
    who = await run_in_threadpool(principal_of, request, ctx.settings)
    who.require({"admin"}, "changing or reading layer permissions")
    return who.user


def _grant_dicts(ctx: SceneContext, layer: str) -> list[dict[str, str]]:
    return [s.grant.to_dict() for s in ctx.access.store.of_layer(layer)]


def _changed(
    ctx: SceneContext,
    request: Request,
    who: str,
    layer: str,
    what: str,
    before: list[dict[str, str]],
) -> dict[str, Any]:
    ctx.access.invalidate()
    state = _state(ctx, layer)
    after = [{k: g[k] for k in ("right", "kind", "subject")} for g in state["grants"]]
    ctx.audit.append(
        actor=who,
        action=f"layer permissions {what}",
        target=layer,
        ip=client_ip(request),
        status=200,
        detail={"before": before, "after": after},
    )
    return state


def _state(ctx: SceneContext, layer: str) -> dict[str, Any]:
    stored = ctx.access.store.of_layer(layer)
    try:
        ctx.catalog.get_layer(layer)
        exists = True
    except LayerNotFoundError:
        exists = False
    return {
        "layer": layer,
        "exists": exists,
        "restricted": LayerPolicy(frozenset(s.grant for s in stored)).restricted,
        "grants": [s.to_dict() for s in stored],
        "default_writers": sorted(DEFAULT_WRITERS | {"admin"}),
    }
