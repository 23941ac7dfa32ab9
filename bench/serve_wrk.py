"""Drive ``wrk`` with a Lua script that cycles through a fixed list of URL paths.

The script pre-formats one request per path (``Accept-Encoding: gzip``, plus
``If-None-Match`` in the conditional scenario) and reports its numbers from wrk's
``done()`` hook as one JSON line, so nothing is scraped from wrk's text output.
Each wrk thread starts at a different offset of the list.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

WRK = "wrk"
MARKER = "WRKJSON "

_LUA = """\
local paths = {%(paths)s}
local etags = {%(etags)s}
local conditional = %(conditional)s
local requests = {}
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("offset", next_id)
  next_id = next_id + 1
end

function init(args)
  for i, p in ipairs(paths) do
    local h = {["Accept-Encoding"] = "gzip"}
    if conditional then h["If-None-Match"] = etags[i] end
    requests[i] = wrk.format("GET", p, h)
  end
  counter = (tonumber(offset) or 0) %% #requests
end

function request()
  counter = counter %% #requests + 1
  return requests[counter]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(marker)s{"duration_us":%%.0f,"requests":%%.0f,"bytes":%%.0f,' ..
    '"connect":%%.0f,"read":%%.0f,"write":%%.0f,"status":%%.0f,"timeout":%%.0f,' ..
    '"p50_us":%%.0f,"p75_us":%%.0f,"p90_us":%%.0f,"p99_us":%%.0f,"p999_us":%%.0f,' ..
    '"mean_us":%%.1f,"max_us":%%.0f}\\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.mean, latency.max))
end
"""


@dataclass(frozen=True)
class WrkSettings:
    threads: int = 2
    connections: int = 32
    duration_s: int = 15
    warmup_s: int = 3
    timeout_s: int = 10


@dataclass(frozen=True)
class WrkRun:
    duration_s: float
    requests: int
    bytes: int
    status_errors: int  # HTTP status >= 400 (wrk's "Non-2xx or 3xx responses")
    socket_errors: dict[str, int]  # connect, read, write, timeout
    latency_us: dict[str, float]  # p50, p75, p90, p99, p999, mean, max

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s

    @property
    def errors(self) -> int:
        return self.status_errors + sum(self.socket_errors.values())


def lua_script(paths: Sequence[str], etags: Mapping[str, str] | None) -> str:
    def lua_list(items: Sequence[str]) -> str:
        return ", ".join(json.dumps(s) for s in items)  # JSON string literals are valid Lua

    return _LUA % {
        "paths": lua_list(paths),
        "etags": lua_list([etags[p] for p in paths] if etags else []),
        "conditional": "true" if etags else "false",
        "marker": MARKER,
    }


def run_wrk(port: int, script: Path, settings: WrkSettings, *, seconds: int) -> WrkRun:
    cmd = [WRK, "-t", str(settings.threads), "-c", str(settings.connections)]
    cmd += ["-d", f"{seconds}s", "--timeout", f"{settings.timeout_s}s", "-s", str(script)]
    cmd.append(f"http://127.0.0.1:{port}/")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-2000:]}")
    return parse_done_line(done.stdout)


def parse_done_line(stdout: str) -> WrkRun:
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            d = json.loads(line[len(MARKER) :])
            return WrkRun(
                duration_s=d["duration_us"] / 1e6,
                requests=int(d["requests"]),
                bytes=int(d["bytes"]),
                status_errors=int(d["status"]),
                socket_errors={k: int(d[k]) for k in ("connect", "read", "write", "timeout")},
                latency_us={
                    k: float(d[f"{k}_us"])
                    for k in ("p50", "p75", "p90", "p99", "p999", "mean", "max")
                },
            )
    raise RuntimeError(f"wrk printed no summary line:\n{stdout[-2000:]}")
