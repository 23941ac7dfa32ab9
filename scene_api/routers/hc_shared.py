"""What the health-check routers share: the caller, bounded uploads, photo responses."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from fastapi import Request, UploadFile
from fastapi.responses import Response

from scene_api.context import SceneContext
from scene_api.services.identity import principal_of
from twin.errors import InvalidInputError
from twin.healthcheck.access import check_delete, check_department
from twin.healthcheck.records import Problem, Project
from twin.healthcheck.wire import photo_url
from twin.submissions.principal import Principal

MB = 1024 * 1024


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
