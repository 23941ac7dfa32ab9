"""Who may read the server and each layer, as the routers apply it.

* ``anonymous_may_read``: whether a caller without credentials may read at all
  (``auth.anonymous_read``; with ``auto`` and no users or API tokens, loopback only).
* ``LayerAccess``: the grants of every layer (``storage.auth.permissions``), kept in
  memory for ``ttl_s`` and dropped at once when this process changes them; a change made
  by another worker or by the CLI is seen within ``ttl_s``.
* ``require_read``: a layer the caller may not read is answered exactly like a layer
  that does not exist (404 ``layer_not_found``), so its existence does not leak.
* ``hidden``: the restricted layers the caller may not read, to leave out of lists.

The caller is looked up (a session may cost a query) only when some layer is restricted.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection

from scene_api.services.identity import client_ip, find_principal, principal_of
from storage.auth.permissions import PermissionStore
from storage.catalog.protocol import Catalog
from twin.auth.permissions import (
    OPEN,
    LayerPolicy,
    Right,
    anonymous_scope,
    hidden_layers,
    policies_of,
)
from twin.errors import (
    FeatureNotFoundError,
    ForbiddenError,
    InvalidInputError,
    LayerNotFoundError,
)
from twin.submissions.principal import Principal

if TYPE_CHECKING:
    from scene_api.context import SceneContext

#: what every response about a restricted layer says to shared caches
PRIVATE = "private"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class LayerAccess:
    """The layers' grants, cached; the constructor does no I/O."""

    def __init__(self, catalog: Catalog, *, ttl_s: float = 2.0) -> None:
        self.store = PermissionStore(catalog)
        self._catalog = catalog
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._policies: tuple[float, Mapping[str, LayerPolicy]] | None = None
        self._accounts: tuple[float, bool] | None = None

    def policies(self) -> Mapping[str, LayerPolicy]:
        now = time.monotonic()
        with self._lock:
            cached = self._policies
        if cached is not None and now - cached[0] < self.ttl_s:
            return cached[1]
        fresh = policies_of(self.store.all())
        with self._lock:
            self._policies = (now, fresh)
        return fresh

    def policy(self, layer: str) -> LayerPolicy:
        return self.policies().get(layer, OPEN)

    def users_exist(self, count: Callable[[], int]) -> bool:
        now = time.monotonic()
        with self._lock:
            cached = self._accounts
        if cached is not None and now - cached[0] < self.ttl_s:
            return cached[1]
        exist = count() > 0
        with self._lock:
            self._accounts = (now, exist)
        return exist

    def invalidate(self) -> None:
        with self._lock:
            self._policies = None
            self._accounts = None


# -- the whole server -----------------------------------------------------------------


def is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def anonymous_may_read(conn: HTTPConnection, ctx: SceneContext) -> bool:
    """Whether a caller with no credentials may read (``auth.anonymous_read``)."""
    auth = ctx.settings.auth
    accounts = bool(auth.tokens)
    if auth.anonymous_read == "auto" and not accounts:
        accounts = ctx.access.users_exist(ctx.users.count)
    scope = anonymous_scope(auth.anonymous_read, accounts=accounts)
    if scope == "all":
        return True
    return scope == "localhost" and is_loopback(client_ip(conn))


# -- one layer --------------------------------------------------------------------------


def caller(conn: HTTPConnection, ctx: SceneContext) -> Principal | None:
    return find_principal(conn, ctx.settings)


def may_read(conn: HTTPConnection, ctx: SceneContext, layer: str) -> bool:
    policy = ctx.access.policy(layer)
    return not policy.restricted or policy.may(caller(conn, ctx), "read")


def require_read(conn: HTTPConnection, ctx: SceneContext, layer: str) -> None:
    """404 ``layer_not_found`` (as for a missing layer) unless the caller may read it."""
    if not may_read(conn, ctx, layer):
        raise LayerNotFoundError(f"layer {layer[:100]!r} not found")


def hidden(conn: HTTPConnection, ctx: SceneContext) -> frozenset[str]:
    """The restricted layers the caller may not read (empty when none is restricted)."""
    policies = ctx.access.policies()
    if not any(p.restricted for p in policies.values()):
        return frozenset()
    return hidden_layers(policies, caller(conn, ctx))


def require_right(conn: HTTPConnection, ctx: SceneContext, layer: str, right: Right) -> Principal:
    """The caller, if they may ``right`` the layer: 401 without credentials, 404 for a layer
    they may not read, 403 for a layer they read but may not change."""
    who = principal_of(conn, ctx.settings)
    policy = ctx.access.policy(layer)
    if not policy.may(who, "read"):
        raise LayerNotFoundError(f"layer {layer[:100]!r} not found")
    if not policy.may(who, right):
        raise ForbiddenError(f"{right} on layer {layer!r} needs a planner, an admin or a grant")
    return who


def is_restricted(ctx: SceneContext, layer: str) -> bool:
    return ctx.access.policy(layer).restricted


def private_cache_control(value: str) -> str:
    """A ``Cache-Control`` for a restricted layer's responses: never in a shared cache."""
    parts = [p.strip() for p in value.split(",") if p.strip() and p.strip() != "public"]
    return ", ".join([PRIVATE, *parts]) if PRIVATE not in parts else ", ".join(parts)


def feature_layer(
    conn: HTTPConnection, ctx: SceneContext, feature_id: str, layer: str | None
) -> str | None:
    """The layer to look a feature up in for this caller (``None``: the catalog's choice).

    A feature of a layer the caller may not read is not found, as if it did not exist;
    with no ``layer`` the most recently published readable layer holding it is used.
    """
    hide = hidden(conn, ctx)
    missing = FeatureNotFoundError(f"feature {feature_id[:200]!r} not found")
    if layer is not None:
        if layer in hide:
            raise missing
        return layer
    if not hide:
        return None
    found = ctx.catalog.get_feature(feature_id, None)
    if found.layer not in hide:
        return found.layer
    readable = [x for x in ctx.catalog.list_layers() if x.id not in hide and x.version]
    readable.sort(key=lambda x: x.updated_at or _EPOCH, reverse=True)
    for candidate in readable:
        try:
            return ctx.catalog.get_feature(feature_id, candidate.id).layer
        except FeatureNotFoundError:
            continue
    raise missing


def analysis_body(conn: HTTPConnection, ctx: SceneContext, body: dict[str, Any]) -> dict[str, Any]:
    """An analysis request limited to the layers the caller may read: a hidden layer named
    in ``layers`` or ``scenario.add`` is not found; the default layers leave hidden ones out."""
    hide = hidden(conn, ctx)
    if not hide:
        return body
    scenario = body.get("scenario")
    added = scenario.get("add", []) if isinstance(scenario, Mapping) else []
    named = body.get("layers") or []
    for name in [*named, *added] if isinstance(named, list) and isinstance(added, list) else []:
        if name in hide:
            raise LayerNotFoundError(f"layer {str(name)[:100]!r} not found")
    if named:
        return body
    readable = [r.id for r in ctx.analysis.scenes.base_layers(None) if r.id not in hide]
    if not readable:
        raise InvalidInputError("no layer with surfaces is published to analyse")
    return {**body, "layers": readable}
