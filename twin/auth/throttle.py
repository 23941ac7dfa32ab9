"""Login throttling: too many failed logins in a window lock the name (and the address).

Failures are counted per key — ``user:<name>`` and ``ip:<address>`` — over
``window_s``; at ``max_failures`` the key is locked until ``lockout_s`` after the
failure that reached the limit. A success clears the user's key, not the address's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    window_s: float = 900.0
    lockout_s: float = 900.0
    #: an address may fail this many times over all names before it is locked too
    max_failures_per_ip: int = 20


def retry_after_s(failures: Sequence[float], now: float, limit: int, policy: ThrottlePolicy) -> int:
    """Seconds until a key with these failure times (Unix seconds) may try again; 0 if now.

    The key is locked for ``lockout_s`` from every failure that made ``limit`` failures
    within ``window_s``. Attempts refused while locked are not failures (they are not
    checked), so a lock ends on time however often it is tried.
    """
    times = sorted(failures)
    locked_until = 0.0
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] < policy.window_s:
            locked_until = max(locked_until, times[i] + policy.lockout_s)
    return max(0, math.ceil(locked_until - now))


def horizon_s(policy: ThrottlePolicy) -> float:
    """How far back failures matter (older ones can be forgotten)."""
    return policy.window_s + policy.lockout_s


def throttle_keys(user: str, ip: str) -> tuple[str, str]:
    return f"user:{user.casefold()}", f"ip:{ip}"
