"""Versioned, idempotent schema migrations of the catalog on both backends."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from storage.catalog.migrate import load_migrations, split_sqlite_script
from storage.catalog.sqlite import SQLiteCatalog
from storage.factory import open_catalog
from twin.errors import CatalogError
from twin.settings import Settings


def sql_rows(settings: Settings, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run ``query`` straight on the catalog database (``?`` placeholders)."""
    url = settings.catalog_url
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///") :]) as conn:
            return list(conn.execute(query, params))
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query.replace("?", "%s"), params)
        return list(cur.fetchall()) if cur.description else []


def test_the_shipped_migrations_are_ordered_and_match_across_backends() -> None:
    sqlite_names = [m.name for m in load_migrations("sqlite")]
    postgis_names = [m.name for m in load_migrations("postgis")]
    assert sqlite_names == sorted(sqlite_names)
    assert sqlite_names == postgis_names
    assert sqlite_names[0] == "0001_init"


def test_migrate_applies_everything_once_and_records_it(settings: Settings) -> None:
    expected = [m.name for m in load_migrations("sqlite")]
    cat = open_catalog(settings)
    assert cat.migrate() == expected
    assert cat.migrate() == []
    cat.close()
    again = open_catalog(settings)  # another process, same database
    assert again.migrate() == []
    again.close()
    rows = sql_rows(settings, "SELECT name, applied_at FROM schema_migrations ORDER BY name")
    assert [r[0] for r in rows] == expected
    for _, applied_at in rows:
        stamp = (
            applied_at if isinstance(applied_at, datetime) else datetime.fromisoformat(applied_at)
        )
        assert stamp.tzinfo is not None


def test_migrate_creates_the_catalog_tables(settings: Settings) -> None:
    cat = open_catalog(settings)
    cat.migrate()
    cat.close()
    for table in ("layers", "layer_versions", "features"):
        assert sql_rows(settings, f"SELECT count(*) FROM {table}") == [(0,)]


def test_a_catalog_newer_than_this_code_is_refused(settings: Settings) -> None:
    cat = open_catalog(settings)
    cat.migrate()
    sql_rows(
        settings,
        "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
        ("9999_from_the_future", "2030-01-01T00:00:00+00:00"),
    )
    with pytest.raises(CatalogError, match="newer"):
        cat.migrate()
    cat.close()


def test_using_a_catalog_before_migrating_is_a_catalog_error(settings: Settings) -> None:
    cat = open_catalog(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with pytest.raises(CatalogError, match="migrations"):
        cat.list_layers()
    cat.close()


def test_sqlite_migrate_creates_the_directory_of_the_database(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "er" / "catalog.db"
    cat = SQLiteCatalog(f"sqlite:///{db}")
    assert not db.parent.exists()  # the constructor did no I/O
    shipped = [m.name for m in load_migrations("sqlite")]
    assert shipped[:4] == [
        "0001_init",
        "0002_layer_metadata",
        "0003_submissions",
        "0004_overlay_events",
    ]
    assert cat.migrate() == shipped
    assert db.is_file()
    cat.close()


def test_the_sqlite_splitter_keeps_trigger_bodies_and_drops_comments() -> None:
    script = (
        "-- a comment\nCREATE TABLE t (a TEXT); -- trailing\n"
        "CREATE TRIGGER g AFTER INSERT ON t BEGIN\n  UPDATE t SET a = 'x;y';\nEND;\n"
        "-- only a comment at the end\n"
    )
    statements = split_sqlite_script(script)
    assert len(statements) == 2
    assert statements[0].startswith("CREATE TABLE t")
    assert statements[1].startswith("CREATE TRIGGER g") and statements[1].endswith("END;")
    conn = sqlite3.connect(":memory:")
    for statement in statements:
        conn.execute(statement)
    conn.execute("INSERT INTO t VALUES ('a')")
    assert conn.execute("SELECT a FROM t").fetchall() == [("x;y",)]


def test_an_unfinished_statement_in_a_migration_is_refused() -> None:
    with pytest.raises(CatalogError):
        split_sqlite_script("CREATE TABLE t (a TEXT);\nCREATE TABLE u (b TEXT)\n")
