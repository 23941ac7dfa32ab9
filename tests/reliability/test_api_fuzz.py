"""Schemathesis against the OpenAPI document of a running ``twin serve`` (SQLite backend,
a published small layer, an admin bearer token from ``TWIN_AUTH__TOKENS``).

Every operation the app has when the test runs (read from ``/openapi.json``, so routes
added later are covered) gets a bounded number of generated requests, authenticated as the
admin; every response must pass ``not_a_server_error`` (no 5xx), ``status_code_conformance``
(a documented status) and ``response_schema_conformance`` (the body matches the schema).
All failures are collected and reported together.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from storage.factory import open_catalog, open_object_store
from tests.reliability.serve import Served, twin_serve
from tests.scene_api.fake_layer import publish_layer
from twin.settings import Settings

ADMIN_TOKEN = "fuzz-admin-token-0123456789abcdef"
#: the whole run stays under about 3 minutes: examples per operation follow the count
BUDGET_REQUESTS = 2400
MAX_EXAMPLES, MIN_EXAMPLES = 30, 5
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    settings = Settings(data_dir=tmp_path / "twin-data", log_json=False)
    catalog, store = open_catalog(settings), open_object_store(settings)
    try:
        catalog.migrate()
        publish_layer(catalog, store, "delft")
    finally:
        catalog.close()
    tokens = [{"token": ADMIN_TOKEN, "user": "fuzz-admin", "roles": ["admin"]}]
    with twin_serve(
        settings, tmp_path / "serve.log", TWIN_AUTH__TOKENS=json.dumps(tokens)
    ) as served:
        yield served


def test_generated_requests_get_no_server_error_and_schema_conforming_answers(
    served: Served,
) -> None:
    schema = schemathesis.openapi.from_url(f"{served.base}openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, "the OpenAPI document lists too few operations"
    examples = max(MIN_EXAMPLES, min(MAX_EXAMPLES, BUDGET_REQUESTS // len(operations)))
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    failures: list[str] = []
    calls = 0
    started = time.monotonic()
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,  # the same requests every run
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(
                base_url=served.base.rstrip("/"), headers=headers, checks=CHECKS, timeout=30
            )

        try:
            run()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # one operation's failures (a group): fuzz the others
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    elapsed = time.monotonic() - started
    print(f"fuzzed {len(operations)} operations with {calls} requests in {elapsed:.0f} s")
    assert served.proc.poll() is None, "the server died"
    assert failures == [], "\n\n".join(failures)
    assert calls >= len(operations) * 2, "too few requests were generated"
    assert elapsed < 240, f"the fuzz run took {elapsed:.0f} s"
