from __future__ import annotations

from twin.auth.throttle import ThrottlePolicy, retry_after_s

POLICY = ThrottlePolicy(max_failures=3, window_s=60.0, lockout_s=300.0)


def test_fewer_failures_than_the_limit_never_lock() -> None:
    assert retry_after_s([0.0, 10.0], 11.0, 3, POLICY) == 0


def test_the_limit_within_the_window_locks_for_the_lockout_from_the_last_failure() -> None:
    assert retry_after_s([0.0, 10.0, 20.0], 21.0, 3, POLICY) == 299
    assert retry_after_s([0.0, 10.0, 20.0], 319.5, 3, POLICY) == 1
    assert retry_after_s([0.0, 10.0, 20.0], 320.0, 3, POLICY) == 0


def test_failures_spread_wider_than_the_window_do_not_lock() -> None:
    assert retry_after_s([0.0, 40.0, 80.0], 81.0, 3, POLICY) == 0


def test_any_run_of_the_limit_within_the_window_counts() -> None:
    # the first and last three are too far apart, but 100, 130, 150 are within 60 s
    assert retry_after_s([0.0, 100.0, 130.0, 150.0], 151.0, 3, POLICY) == 299
