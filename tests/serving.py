"""A server under test in a child process: a free port, the health probe, waiting until it
answers, and stopping it (terminate, then kill)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (as of now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def healthy(base: str) -> bool:
    """Whether ``{base}healthz`` answers 200 (``base`` ends in "/")."""
    try:
        return httpx.get(f"{base}healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def wait_healthy(
    proc: subprocess.Popen[bytes],
    base: str,
    timeout_s: float,
    log_text: Callable[[], str],
    *,
    what: str = "the server did not come up",
) -> None:
    """Until ``base`` is healthy; RuntimeError (``what`` and the log's last 4,000 characters)
    when ``proc`` ends first or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while not healthy(base):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what}:\n{log_text()[-4000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 20) -> None:
    """Terminate ``proc`` and wait for it: ``timeout_s``, then kill it."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
