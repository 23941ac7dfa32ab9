from __future__ import annotations

import pytest

from storage.catalog.protocol import Catalog
from storage.factory import open_catalog
from storage.overlays.event_log import EventLog
from tests.storage.overlays.log_helpers import append, problems
from twin.errors import CatalogError
from twin.settings import Settings


def test_events_after_a_seq_come_in_order_with_their_payloads(catalog: Catalog) -> None:
    seqs = append(catalog, *problems("p1", "p2", "p3", "p4", "p5"))
    log = EventLog(catalog)
    events = log.read(seqs[1], limit=100)
    assert [e.seq for e in events] == seqs[2:]
    assert [e.item_id for e in events] == ["p3", "p4", "p5"]
    first = events[0]
    assert (first.channel, first.kind, first.actor) == ("problems", "updated", "tester")
    assert first.payload == {"id": "p3", "标题": "积水点"}
    assert first.at.endswith("Z") and first.at[:2] == "20"
    log.close()


def test_reads_are_bounded_by_the_limit_and_by_until(catalog: Catalog) -> None:
    seqs = append(catalog, *problems(*(f"p{i}" for i in range(10))))
    log = EventLog(catalog)
    assert [e.seq for e in log.read(0, limit=3)] == seqs[:3]
    assert [e.seq for e in log.read(seqs[2], limit=100, until=seqs[5])] == seqs[3:6]
    assert log.read(seqs[-1], limit=100) == []
    log.close()


def test_reads_keep_only_the_channels_asked_for(catalog: Catalog) -> None:
    append(catalog, ("problems", "a"), ("projects", "b"), ("indicators", "c"), ("problems", "d"))
    log = EventLog(catalog)
    assert [e.item_id for e in log.read(0, limit=10, channels={"problems"})] == ["a", "d"]
    assert [e.item_id for e in log.read(0, limit=10, channels={"projects", "indicators"})] == [
        "b",
        "c",
    ]
    assert log.read(0, limit=10, channels=set()) == []
    log.close()


def test_the_latest_seq_is_zero_for_an_empty_log_then_the_last_appended(
    catalog: Catalog,
) -> None:
    log = EventLog(catalog)
    assert log.latest() == 0
    seqs = append(catalog, *problems("a", "b"))
    assert log.latest() == seqs[-1]
    events, latest = log.page(seqs[0], limit=10)
    assert [e.seq for e in events] == seqs[1:] and latest == seqs[-1]
    log.close()


def test_an_event_rolled_back_with_its_change_is_never_read(catalog: Catalog) -> None:
    log = EventLog(catalog)
    with pytest.raises(RuntimeError), catalog.transaction() as conn:
        from storage.overlays.outbox import append_event

        append_event(
            conn,
            qmark=catalog.paramstyle == "qmark",
            channel="problems",
            kind="created",
            item_id="ghost",
            actor="tester",
            payload={},
        )
        raise RuntimeError("the change failed")
    kept = append(catalog, *problems("kept"))
    assert [e.item_id for e in log.read(0, limit=10)] == ["kept"]
    assert log.latest() == kept[0]
    log.close()


def test_a_catalog_without_migrations_is_named_as_the_problem(settings: Settings) -> None:
    catalog = open_catalog(settings)
    log = EventLog(catalog)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    catalog.ping()  # the database exists, without tables
    with pytest.raises(CatalogError, match="migrations"):
        log.read(0, limit=10)
    log.close()
    catalog.close()
