"""``twin layers grant|revoke|permissions`` and the rights of a CLI ingest, run as a user
runs them; every change and every ingest lands in the audit log as ``cli:<login>``."""

from __future__ import annotations

import json
from pathlib import Path

from storage.auth.audit import AuditLog
from storage.auth.users import UserStore
from storage.factory import open_catalog
from tests.twin.test_cli import BY_HEIGHT_AND_ID, gpkg, twin  # noqa: F401 (fixture)
from twin.settings import Settings

PASSWORD = "cli-user-pass-123"


def _audit(settings: Settings) -> list[tuple[str, str, str, int | None, dict[str, object]]]:
    catalog = open_catalog(settings)
    try:
        return [
            (e.actor, e.action, e.target, e.status, dict(e.detail))
            for e in AuditLog(catalog).entries()
        ]
    finally:
        catalog.close()


def test_grant_list_and_revoke_from_the_command_line(settings: Settings) -> None:
    out = twin(
        settings, "layers", "grant", "harbour", "--right", "update", "--department", "Xiamen"
    )
    assert "update for department Xiamen granted" in out.stdout
    twin(settings, "layers", "grant", "harbour", "--right", "read", "--role", "leader")
    shown = json.loads(twin(settings, "layers", "permissions", "harbour", "--json").stdout)
    assert shown["restricted"] is True
    assert [(g["right"], g["kind"], g["subject"]) for g in shown["grants"]] == [
        ("read", "role", "leader"),
        ("update", "department", "Xiamen"),
    ]
    assert shown["grants"][0]["granted_by"].startswith("cli:")
    text = twin(settings, "layers", "permissions", "harbour").stdout
    assert "restricted" in text and "department Xiamen" in text
    twin(settings, "layers", "revoke", "harbour", "--right", "read", "--role", "leader")
    missing = twin(
        settings, "layers", "revoke", "harbour", "--right", "read", "--role", "leader", check=False
    )
    assert missing.returncode == 2 and "no grant" in missing.stderr
    assert "2 grants" not in twin(settings, "layers", "revoke", "harbour", "--all").stdout
    assert "open" in twin(settings, "layers", "permissions", "harbour").stdout
    bad = twin(
        settings, "layers", "grant", "harbour", "--right", "read", "--user", "a b", check=False
    )
    assert bad.returncode == 2 and "invalid user name" in bad.stderr
    assert twin(settings, "layers", "--json").stdout.strip() == "[]"  # the plain list still works
    actions = [(a[0].startswith("cli:"), a[1], a[2]) for a in _audit(settings)]
    assert actions == [
        (True, "cli: layers grant", "harbour"),
        (True, "cli: layers grant", "harbour"),
        (True, "cli: layers revoke", "harbour"),
        (True, "cli: layers clear", "harbour"),
    ]


def test_an_ingest_as_a_user_needs_the_publish_right_and_is_audited(
    settings: Settings,
    gpkg: Path,  # noqa: F811
) -> None:
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        users = UserStore(catalog)
        users.add("zhang", PASSWORD, ("planner",))
        users.add("chen", PASSWORD, ("department_editor",), "Xiamen")
    finally:
        catalog.close()
    ingest = ("ingest", "buildings", str(gpkg), "--layer", "futian", *BY_HEIGHT_AND_ID)
    refused = twin(settings, "--as-user", "chen", *ingest, check=False)
    assert refused.returncode == 2 and "may not publish layer 'futian'" in refused.stderr
    assert json.loads(twin(settings, "layers", "--json").stdout) == []  # nothing written
    twin(settings, "--as-user", "zhang", *ingest)  # planners publish by default
    twin(settings, "layers", "grant", "futian", "--right", "publish", "--user", "chen")
    twin(settings, "--as-user", "chen", *ingest)  # delegated
    unknown = twin(settings, "--as-user", "nobody", *ingest, check=False)
    assert unknown.returncode == 2 and "nobody" in unknown.stderr
    twin(settings, *ingest)  # the operator, without an identity
    ingests = [a for a in _audit(settings) if a[1] == "cli: ingest buildings"]
    assert [(a[2], a[3], a[4].get("as_user")) for a in ingests] == [
        ("futian", 403, "chen"),
        ("futian", 200, "zhang"),
        ("futian", 200, "chen"),
        ("futian", 404, "nobody"),
        ("futian", 200, None),
    ]
    assert all(a[0].startswith("cli:") for a in ingests)
    layers = json.loads(twin(settings, "layers", "--json").stdout)
    assert [(x["id"], x["version"]) for x in layers] == [("futian", 3)]
    # deleting is publishing too; a planner no grant shows a restricted layer may not
    twin(settings, "layers", "grant", "futian", "--right", "read", "--role", "leader")
    planner = ("--as-user", "zhang", "layers", "delete", "futian", "--yes")
    assert "may not publish" in twin(settings, *planner, check=False).stderr
    twin(settings, "layers", "revoke", "futian", "--all")
    unsure = twin(settings, "--as-user", "zhang", "layers", "delete", "futian", check=False)
    assert unsure.returncode == 2 and "--yes" in unsure.stderr
    twin(settings, "layers", "grant", "futian", "--right", "update", "--user", "chen")
    refused = twin(
        settings, "--as-user", "chen", "layers", "delete", "futian", "--yes", check=False
    )
    assert refused.returncode == 2 and "may not publish" in refused.stderr
    assert (
        "deleted"
        in twin(settings, "--as-user", "zhang", "layers", "delete", "futian", "--yes").stdout
    )
    assert json.loads(twin(settings, "layers", "--json").stdout) == []
    deletes = [
        (a[3], a[4].get("as_user")) for a in _audit(settings) if a[1] == "cli: layers delete"
    ]
    assert deletes == [(403, "zhang"), (400, "zhang"), (403, "chen"), (200, "zhang")]
