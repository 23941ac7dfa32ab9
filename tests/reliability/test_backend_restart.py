"""PostgreSQL or the S3 store restarts while ``twin serve`` serves (PostGIS + SeaweedFS).

The services sit behind a TCP proxy of the test (``tcp_proxy``), which does to the
server what a restart does: every open connection is reset and new ones are refused
until it listens again. The shared PostgreSQL of the machine is never stopped.
During the outage every request that needs the backend is a quick 503 with
``Retry-After`` and ``{code, description}`` (no stack trace); afterwards the same
server process answers again by itself, and the live overlay stream resumes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from storage.factory import open_catalog, open_object_store
from tests.reliability.serve import Served, twin_serve
from tests.reliability.tcp_proxy import TcpProxy, tcp_proxy
from tests.scene_api.fake_layer import PublishedLayer, publish_layer
from tests.scene_api.overlay_clients import open_client, receive_events
from tests.services import S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, PostGIS
from tests.storage.overlays.log_helpers import append, problems
from twin.settings import Settings

#: a request during an outage must fail fast, not hang on a dead backend
OUTAGE_ANSWER_S = 12.0
#: after the backend is back, the server answers again within this
RECOVERY_S = 20.0


def _through(url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"{netloc[0]}@{proxy.address}" if len(netloc) == 2 else proxy.address
    return urlunsplit(parts._replace(netloc=host))


@pytest.fixture
def pg_proxy(postgis: PostGIS) -> Iterator[TcpProxy]:
    with tcp_proxy("127.0.0.1:5432") as proxy:
        yield proxy


@pytest.fixture
def s3_proxy(s3_endpoint: str) -> Iterator[TcpProxy]:
    with tcp_proxy(s3_endpoint) as proxy:
        yield proxy


@pytest.fixture
def settings(postgis: PostGIS, pg_proxy: TcpProxy, s3_proxy: TcpProxy, tmp_path: Path) -> Settings:
    """A fresh PostGIS database and S3 prefix, both reached through the proxies."""
    return Settings(
        data_dir=tmp_path / "twin-data",
        database_url=_through(postgis.new_database(), pg_proxy),
        storage_url=f"s3://{S3_BUCKET}/{tmp_path.name[-12:]}?endpoint={s3_proxy.address}&secure=false",
        s3_access_key=S3_ACCESS_KEY,  # type: ignore[arg-type]
        s3_secret_key=S3_SECRET_KEY,  # type: ignore[arg-type]
        log_json=False,
    )


@pytest.fixture
def layer(settings: Settings) -> PublishedLayer:
    catalog, store = open_catalog(settings), open_object_store(settings)
    try:
        catalog.migrate()
        return publish_layer(catalog, store, "delft")
    finally:
        catalog.close()


@pytest.fixture
def served(settings: Settings, layer: PublishedLayer, tmp_path: Path) -> Iterator[Served]:
    with twin_serve(settings, tmp_path / "serve.log") as served:
        yield served


def _assert_unavailable(response: httpx.Response, elapsed: float) -> None:
    what = (response.request.url.path, response.status_code, response.text[:500])
    assert response.status_code == 503, what
    assert int(response.headers["Retry-After"]) > 0
    body = response.json()
    assert set(body) >= {"code", "description"}, body
    assert body["code"] == "backend_unavailable"
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert "127.0.0.1" not in body["description"]  # no address of the backend either
    assert elapsed < OUTAGE_ANSWER_S, f"the 503 took {elapsed:.1f} s"


def _get(client: httpx.Client, path: str) -> tuple[httpx.Response, float]:
    start = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - start


def _wait_until_ok(client: httpx.Client, path: str) -> float:
    """Seconds until ``path`` answers 200 again."""
    start = time.monotonic()
    while True:
        try:
            if client.get(path).status_code == 200:
                return time.monotonic() - start
        except httpx.TransportError:
            pass
        assert time.monotonic() - start < RECOVERY_S, f"{path} did not recover"
        time.sleep(0.25)


def _assert_serving(client: httpx.Client, layer: PublishedLayer) -> None:
    layers = client.get("api/layers")
    assert layers.status_code == 200 and "delft" in layers.text
    tileset = client.get("tiles/delft/tileset.json")
    assert tileset.status_code == 200, tileset.text
    glb = client.get(f"tiles/delft/v/{layer.version}/t/1_1_0.glb")
    assert glb.status_code == 200 and glb.content == layer.contents["t/1_1_0.glb"]
    feature = client.get(f"api/features/{layer.buildings[0].id}")
    assert feature.status_code == 200 and feature.json()["id"] == layer.buildings[0].id
    health = client.get("healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok", health.text


@pytest.mark.parametrize("outage_s", [1.0, 15.0], ids=["short", "longer-than-pool-reconnect"])
def test_a_postgresql_restart_gives_503s_then_recovers_without_a_restart(
    served: Served, layer: PublishedLayer, pg_proxy: TcpProxy, settings: Settings, outage_s: float
) -> None:
    catalog = open_catalog(settings)
    with httpx.Client(base_url=served.base, timeout=60) as client:
        _assert_serving(client, layer)

        async def scenario() -> None:
            ws, _ = await open_client(served.base)
            try:
                await asyncio.to_thread(outage_and_back, client)
                # the live stream resumes: an event committed after the outage arrives
                [seq] = await asyncio.to_thread(append, catalog, *problems("after-outage"))
                [event] = await asyncio.wait_for(receive_events(ws, 1), 15)
                assert event["seq"] == seq and event["id"] == "after-outage"
            finally:
                await ws.close()

        def outage_and_back(client: httpx.Client) -> None:
            pg_proxy.cut()
            cut_at = time.monotonic()
            time.sleep(0.5)
            paths = ("api/layers", "tiles/delft/tileset.json", "api/layers/delft/features",
                     f"api/features/{layer.buildings[0].id}", "api/overlays/events")  # fmt: skip
            while True:  # every request of the outage is a quick 503
                for path in paths:
                    response, elapsed = _get(client, path)
                    _assert_unavailable(response, elapsed)
                if time.monotonic() - cut_at >= outage_s:
                    break
            health, elapsed = _get(client, "healthz")
            assert health.status_code == 503 and elapsed < OUTAGE_ANSWER_S
            assert health.json()["catalog"] == "backend_unavailable"
            assert health.json()["store"] == "ok"
            pg_proxy.restore()
            recovered_s = _wait_until_ok(client, "api/layers")
            assert recovered_s < RECOVERY_S

        try:
            asyncio.run(scenario())
        finally:
            catalog.close()
        _assert_serving(client, layer)
    assert served.proc.poll() is None  # the same process answered throughout
    assert "Traceback" not in served.log_text()


def test_an_s3_restart_gives_503s_then_recovers_without_a_restart(
    served: Served, layer: PublishedLayer, s3_proxy: TcpProxy
) -> None:
    with httpx.Client(base_url=served.base, timeout=60) as client:
        assert client.get("api/layers").status_code == 200
        s3_proxy.cut()
        time.sleep(0.5)
        # contents never fetched before: nothing of them is cached in the server
        for path in ("tiles/delft/tileset.json", f"tiles/delft/v/{layer.version}/t/1_0_0.glb",
                     f"tiles/delft/v/{layer.version}/t/0_0_0.glb"):  # fmt: skip
            response, elapsed = _get(client, path)
            _assert_unavailable(response, elapsed)
        health, elapsed = _get(client, "healthz")
        assert health.status_code == 503 and elapsed < OUTAGE_ANSWER_S
        assert health.json() == {**health.json(), "catalog": "ok", "store": "backend_unavailable"}
        # what needs only the catalog keeps working
        assert client.get(f"api/features/{layer.buildings[0].id}").status_code == 200
        s3_proxy.restore()
        _wait_until_ok(client, f"tiles/delft/v/{layer.version}/t/1_0_0.glb")
        _assert_serving(client, layer)
        assert (
            client.get(f"tiles/delft/v/{layer.version}/t/1_0_0.glb").content
            == (layer.contents["t/1_0_0.glb"])
        )
    assert served.proc.poll() is None
    assert "Traceback" not in served.log_text()


def test_both_backends_down_at_once_then_back(
    served: Served, layer: PublishedLayer, pg_proxy: TcpProxy, s3_proxy: TcpProxy
) -> None:
    with httpx.Client(base_url=served.base, timeout=60) as client:
        _assert_serving(client, layer)
        pg_proxy.cut()
        s3_proxy.cut()
        for path in ("api/layers", f"tiles/delft/v/{layer.version}/t/0_0_0.glb"):
            response, elapsed = _get(client, path)
            _assert_unavailable(response, elapsed)
        health = client.get("healthz").json()
        assert (health["catalog"], health["store"]) == ("backend_unavailable",) * 2
        s3_proxy.restore()
        pg_proxy.restore()
        _wait_until_ok(client, "healthz")
        _assert_serving(client, layer)
    assert served.proc.poll() is None
    assert "Traceback" not in served.log_text()
