"""Are the catalog and the object store reachable?"""

from __future__ import annotations

import logging
from collections.abc import Callable

from scene_api.wire import HealthOut
from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from twin.errors import BackendUnavailableError, TwinError

log = logging.getLogger("scene_api.health")


def _check(name: str, ping: Callable[[], None]) -> str:
    try:
        ping()
    except TwinError as exc:
        log.warning("health check failed", extra={"backend": name, "code": exc.code})
        return exc.code
    except Exception:
        log.exception("health check failed", extra={"backend": name})
        return BackendUnavailableError.code
    return "ok"


def health(catalog: Catalog, store: ObjectStore) -> HealthOut:
    catalog_status = _check("catalog", catalog.ping)
    store_status = _check("store", store.ping)
    ok = catalog_status == "ok" and store_status == "ok"
    return {"status": "ok" if ok else "degraded", "catalog": catalog_status, "store": store_status}
