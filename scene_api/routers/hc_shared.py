"""What the health-check routers share: the caller, bounded uploads, photo responses, and
the handling of problems and projects alike (``PROBLEMS``, ``PROJECTS``: one kind each)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Generic, Literal, Protocol, TypeVar

from fastapi import Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from scene_api.context import SceneContext
from scene_api.services.identity import principal_of
from storage.healthcheck.deletes import Allow
from storage.healthcheck.store import HealthStore
from twin.errors import InvalidInputError
from twin.healthcheck.access import bound_department, check_delete, check_department
from twin.healthcheck.build_items import (
    PROBLEM_FIELDS,
    PROJECT_FIELDS,
    build_problem,
    build_project,
)
from twin.healthcheck.records import Problem, Project
from twin.healthcheck.wire import (
    Feature,
    FeatureCollection,
    collection,
    history_out,
    photo_url,
    problem_feature,
    project_feature,
)
from twin.submissions.principal import Principal

MB = 1024 * 1024
ItemId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
PhotoName = Annotated[str, Path(min_length=1, max_length=140)]
Note = Annotated[str, Query(max_length=10_000)]
District = Annotated[str | None, Query(max_length=100)]
Department = Annotated[str | None, Query(max_length=100)]
BBoxText = Annotated[str | None, Query(description="w,s,e,n in WGS84")]
Item = TypeVar("Item", Problem, Project)


def caller(request: Request, ctx: SceneContext, roles: Sequence[str], what: str) -> Principal:
    """The caller (401 without credentials), holding one of ``roles`` (403 else)."""
    who = principal_of(request, ctx.settings)
    who.require(roles, what)
    return who


def allowed_for(who: Principal, roles: Sequence[str], what: str, *departments: str) -> None:
    check_department(who, roles, what, *departments)


def deleter(who: Principal, roles: Sequence[str], what: str) -> Callable[[Problem | Project], None]:
    """The store's ``allow`` for a deletion: 403 unless ``who`` may delete the locked item."""

    def allow(item: Problem | Project) -> None:
        check_delete(who, roles, what, item.department)

    return allow


def read_upload(file: UploadFile, max_bytes: int) -> bytes:
    """The uploaded bytes, at most ``max_bytes`` + 1 read (the caller refuses more)."""
    return file.file.read(max_bytes + 1)


def json_body(body: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInputError(f"{what}: the body must be a JSON object")
    return body


def photo_response(data: bytes, content_type: str) -> Response:
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def save_photo(
    ctx: SceneContext,
    who: Principal,
    kind: Literal["problems", "projects"],
    item_id: str,
    file: UploadFile,
) -> dict[str, str]:
    """Store an uploaded photo of a problem or project (checked by the store); its name and URL."""
    data = read_upload(file, ctx.settings.healthcheck.max_photo_mb * MB)
    name = ctx.health.add_photo(kind, item_id, file.filename or "", data, who.user)
    return {"name": name, "url": photo_url(kind, item_id, name)}


class _Delete(Protocol):
    def __call__(
        self, store: HealthStore, item_id: str, actor: str, note: str = "", /, *, allow: Allow
    ) -> Problem | Project: ...


@dataclass(frozen=True)
class Kind(Generic[Item]):
    """A kind of health-check item as its router handles it: names and store methods."""

    noun: Literal["problem", "project"]
    plural: Literal["problems", "projects"]
    create_fields: frozenset[str]  # what a create body may hold
    build: Callable[[HealthStore, dict[str, Any]], Item]
    feature: Callable[[HealthStore, Item, date], Feature]
    get: Callable[[HealthStore, str], Item]
    create: Callable[[HealthStore, Item, str], Item]
    update: Callable[[HealthStore, str, Mapping[str, Any], str, str], Item]
    delete: _Delete


def _new_problem(_: HealthStore, fields: dict[str, Any]) -> Problem:
    if fields.get("status") not in (None, "", "open"):
        raise InvalidInputError("status: a new problem is open", column="status")
    return build_problem(fields)


PROBLEMS = Kind(
    noun="problem",
    plural="problems",
    create_fields=frozenset({*PROBLEM_FIELDS, "id", "lon", "lat"}),
    build=_new_problem,
    feature=lambda _, p, today: problem_feature(p, today),
    get=HealthStore.get_problem,
    create=HealthStore.create_problem,
    update=HealthStore.update_problem,
    delete=HealthStore.delete_problem,
)
PROJECTS = Kind(
    noun="project",
    plural="projects",
    create_fields=frozenset({*PROJECT_FIELDS, "id", "lon", "lat", "stage_started"}),
    build=lambda health, fields: build_project(fields, health.stages, health.today()),
    feature=lambda health, p, today: project_feature(p, health.stages, today),
    get=HealthStore.get_project,
    create=HealthStore.create_project,
    update=HealthStore.update_project,
    delete=HealthStore.delete_project,
)


def feature_of(ctx: SceneContext, kind: Kind[Item], item: Item) -> Feature:
    return kind.feature(ctx.health, item, ctx.health.today())


def features_of(ctx: SceneContext, kind: Kind[Item], found: Sequence[Item]) -> FeatureCollection:
    today = ctx.health.today()
    return collection([kind.feature(ctx.health, item, today) for item in found])


def get_item(ctx: SceneContext, kind: Kind[Item], item_id: str) -> Feature:
    return feature_of(ctx, kind, kind.get(ctx.health, item_id))


def acting_on(
    request: Request,
    ctx: SceneContext,
    kind: Kind[Item],
    item_id: str,
    roles: Sequence[str],
    what: str,
) -> Principal:
    """The caller holding one of ``roles`` (401, 403) who may act on the item (404, 403)."""
    who = caller(request, ctx, roles, what)
    current = kind.get(ctx.health, item_id)
    allowed_for(who, roles, what, current.department)
    return who


def create_item(
    request: Request, ctx: SceneContext, kind: Kind[Item], body: Any, roles: Sequence[str]
) -> Feature:
    """A new item from a JSON body; a department-bound caller's own department by default."""
    what = f"creating a {kind.noun}"
    who = caller(request, ctx, roles, what)
    fields = dict(json_body(body, kind.noun))
    extra = sorted(set(fields) - kind.create_fields)
    if extra:
        raise InvalidInputError(f"{extra[0]}: not a field of a {kind.noun}", column=extra[0])
    mine = bound_department(who, roles)
    if mine is not None and not fields.get("department"):
        fields["department"] = mine
    item = kind.build(ctx.health, fields)
    allowed_for(who, roles, what, item.department)
    return feature_of(ctx, kind, kind.create(ctx.health, item, who.user))


def update_item(
    request: Request,
    ctx: SceneContext,
    kind: Kind[Item],
    item_id: str,
    body: Any,
    roles: Sequence[str],
) -> Feature:
    """Change an item by a JSON body of its fields and a ``note``; the caller may act on its
    department and on a new one."""
    what = f"changing a {kind.noun}"
    who = caller(request, ctx, roles, what)
    fields = dict(json_body(body, kind.noun))
    note = str(fields.pop("note", "") or "")
    current = kind.get(ctx.health, item_id)
    departments = [current.department]
    if "department" in fields:
        departments.append(str(fields["department"] or ""))
    allowed_for(who, roles, what, *departments)
    return feature_of(ctx, kind, kind.update(ctx.health, item_id, fields, who.user, note))


def delete_item(
    request: Request,
    ctx: SceneContext,
    kind: Kind[Item],
    item_id: str,
    note: str,
    roles: Sequence[str],
) -> Response:
    what = f"deleting a {kind.noun}"
    who = caller(request, ctx, roles, what)
    allow = deleter(who, roles, what)
    kind.delete(ctx.health, item_id, who.user, note, allow=allow)
    return Response(status_code=204)


def add_item_photo(
    request: Request,
    ctx: SceneContext,
    kind: Kind[Item],
    item_id: str,
    file: UploadFile,
    roles: Sequence[str],
) -> dict[str, str]:
    who = acting_on(request, ctx, kind, item_id, roles, "adding a photo")
    return save_photo(ctx, who, kind.plural, item_id, file)


def item_photo(ctx: SceneContext, kind: Kind[Item], item_id: str, name: str) -> Response:
    data, content_type = ctx.health.open_photo(kind.plural, item_id, name)
    return photo_response(data, content_type)


def item_history(ctx: SceneContext, kind: Kind[Item], item_id: str) -> JSONResponse:
    entries = ctx.health.history(kind.noun, item_id)
    return JSONResponse({"history": [dict(history_out(e)) for e in entries]})
