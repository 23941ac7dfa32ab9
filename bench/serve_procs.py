"""Servers for the serving benchmark: ``twin serve`` and nginx, each in its own process group.

Both are context managers that yield the port the server answers on and stop the whole
process group (uvicorn or nginx workers included) on the way out, even after an error.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

NGINX = "/usr/sbin/nginx"
STARTUP_TIMEOUT_S = 60.0

NGINX_CONF = """\
worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{
        model/gltf-binary glb;
        application/json json;
    }}
    default_type application/octet-stream;

    server {{
        listen 127.0.0.1:{port};
        root {root};
        location /tiles/ {{
            # only X.glb.gz exists: always send the stored gzip bytes, and
            # decompress them on the fly for clients that refuse gzip (as twin does)
            gzip_static always;
            gunzip on;
            gzip_vary on;
            add_header Cache-Control "public, max-age=31536000, immutable";
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def child_env(data_dir: Path) -> dict[str, str]:
    """The environment for twin children: the embedded backend in ``data_dir`` only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN_")}
    return {**env, "TWIN_DATA_DIR": str(data_dir), "TWIN_LOG_LEVEL": "WARNING"}


def tool_version(cmd: list[str]) -> str:
    """First line of a tool's version output (nginx prints it on stderr)."""
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


@contextlib.contextmanager
def twin_server(data_dir: Path, workers: int, logdir: Path) -> Iterator[int]:
    """``twin serve`` on a free 127.0.0.1 port; uvicorn access logs off (log level WARNING)."""
    port = free_port()
    twin = Path(sys.executable).parent / "twin"
    cmd = [str(twin), "--log-format", "text", "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", str(workers)]
    env = child_env(data_dir)
    log = logdir / f"twin-w{workers}.log"
    with _group(cmd, env, log) as proc:
        _wait_ready(proc, port, "/healthz", log)
        yield port


@contextlib.contextmanager
def nginx_server(root: Path, workers: int, tmp: Path) -> Iterator[int]:
    """nginx serving ``root`` (pre-compressed ``.gz`` files) on a free 127.0.0.1 port."""
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workers=workers, tmp=tmp, port=port, root=root))
    log = tmp / "nginx.stderr"
    with _group([NGINX, "-p", str(tmp), "-c", str(conf)], dict(os.environ), log) as proc:
        _wait_ready(proc, port, "/", log, tmp / "error.log")
        yield port


@contextlib.contextmanager
def _group(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            _stop_group(proc)


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group started for ``proc``, then SIGKILL whatever is left."""
    pgid = proc.pid  # start_new_session: the leader's pid is the group id
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        proc.wait(timeout=5)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # workers may outlive their leader by a moment
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _wait_ready(proc: subprocess.Popen[bytes], port: int, path: str, *logs: Path) -> None:
    url = f"http://127.0.0.1:{port}{path}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{_tails(logs)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer on {url}:\n{_tails(logs)}")


def _tails(logs: tuple[Path, ...]) -> str:
    return "\n".join(p.read_text(errors="replace")[-2000:] for p in logs if p.exists())
