"""``twin serve`` as an operator runs it: a child process configured by TWIN_* variables."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.serving import free_port, stop, wait_healthy
from twin.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a twin command using ``settings`` (no other TWIN_* leaks in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
    env["TWIN_DATA_DIR"] = str(settings.data_dir)
    env["TWIN_LOG_LEVEL"] = "WARNING"
    if settings.database_url:
        env["TWIN_DATABASE_URL"] = settings.database_url
    if settings.storage_url:
        env["TWIN_STORAGE_URL"] = settings.storage_url
    if settings.s3_access_key and settings.s3_secret_key:
        env["TWIN_S3_ACCESS_KEY"] = settings.s3_access_key.get_secret_value()
        env["TWIN_S3_SECRET_KEY"] = settings.s3_secret_key.get_secret_value()
    env.update(extra)
    return env


@dataclass(frozen=True)
class Served:
    base: str  # ends in "/"
    proc: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def twin_serve(
    settings: Settings, log: Path, *, workers: int = 1, timeout_s: float = 90, **env: str
) -> Iterator[Served]:
    """``twin serve --host 127.0.0.1 --port P [--workers N]`` until the block ends."""
    port = free_port()
    args = [sys.executable, "-m", "twin.cli.main", "serve", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers)]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env_for(settings, **env), stdout=out, stderr=subprocess.STDOUT
        )
        served = Served(f"http://127.0.0.1:{port}/", proc, log)
        try:
            wait_healthy(
                proc, served.base, timeout_s, served.log_text, what="twin serve did not come up"
            )
            yield served
        finally:
            stop(proc)
