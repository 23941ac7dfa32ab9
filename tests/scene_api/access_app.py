"""An app with one API token per role (and department), for the access tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from scene_api import create_app
from scene_api.context import SceneContext
from twin.settings import ROLES, ApiToken, Settings

#: who -> (roles, department); a token each, "tok-<who>-..." (24+ characters)
PEOPLE: dict[str, tuple[tuple[str, ...], str | None]] = {
    **{role: ((role,), None) for role in ROLES},
    "xiamen": (("department_editor",), "Xiamen"),
    "fuzhou": (("department_editor",), "Fuzhou"),
}
REMOTE = ("10.1.2.3", 40000)
LOOPBACK = ("127.0.0.1", 40000)


def token_of(who: str) -> str:
    return f"tok-{who}-0123456789abcdefghij"


def bearer(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(who)}"}


@dataclass
class AccessApp:
    app: FastAPI
    client: TestClient  # from a remote address (not loopback)
    settings: Settings

    @property
    def ctx(self) -> SceneContext:
        ctx: SceneContext = self.app.state.ctx
        return ctx

    def client_from(self, host: str, port: int = 40000) -> TestClient:
        return TestClient(self.app, client=(host, port))


@contextmanager
def access_app(
    settings: Settings, tmp_path: Path, *, tokens: bool = True, **auth: Any
) -> Iterator[AccessApp]:
    entries = [
        ApiToken(token=token_of(who), user=who, roles=list(roles), department=dept)  # type: ignore[arg-type]
        for who, (roles, dept) in PEOPLE.items()
    ]
    update: dict[str, Any] = {"tokens": entries if tokens else [], **auth}
    app_settings = settings.model_copy(update={"auth": settings.auth.model_copy(update=update)})
    app = create_app(app_settings, viewer_dir=tmp_path / "no-viewer")
    app.state.ctx.catalog.migrate()
    with TestClient(app, client=REMOTE) as client:
        yield AccessApp(app, client, app_settings)
