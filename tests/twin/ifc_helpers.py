"""Shared pieces of the IFC pipeline tests: ingest a file into given backends, count elements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.shape

from bim_ingest.georef import GeoOverride
from storage.catalog.protocol import Catalog
from storage.objects.protocol import ObjectStore
from twin.pipeline.publish_ifc import (
    IfcPublishResult,
    IfcSubmission,
    publish_ifc,
    read_submission,
)
from twin.settings import BimSettings

#: files with no georeference of their own are placed here (Futian, Shenzhen)
SHENZHEN = (114.0553, 22.5420, 0.0)
UNGEOREFERENCED = {"IfcOpenHouse_IFC4.ifc"}


def override_for(path: Path) -> GeoOverride | None:
    return GeoOverride(origin=SHENZHEN) if path.name in UNGEOREFERENCED else None


@contextmanager
def submission(path: Path, tmp: Path, bim: BimSettings | None = None) -> Iterator[IfcSubmission]:
    spill = tmp / f"spill-{path.stem}"
    spill.mkdir(parents=True, exist_ok=True)
    with read_submission(
        path, bim=bim or BimSettings(), override=override_for(path), spill_dir=spill
    ) as sub:
        yield sub


def ingest(
    path: Path,
    layer: str,
    store: ObjectStore,
    catalog: Catalog,
    tmp: Path,
    bim: BimSettings | None = None,
) -> IfcPublishResult:
    settings = bim or BimSettings(max_elements_per_tile=60)
    with submission(path, tmp, settings) as sub:
        return publish_ifc(sub, layer=layer, store=store, catalog=catalog, bim=settings)


def triangulated_ids(path: Path) -> set[str]:
    """GlobalIds of the elements plain ifcopenshell triangulates (spaces in, openings out).

    The kernel is the one twin uses (tests/bim_ingest/test_geometry.py checks it meshes the
    same elements as ifcopenshell's default Open CASCADE, which takes minutes on some files).
    """
    model = ifcopenshell.open(str(path))
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    it = ifcopenshell.geom.iterator(
        settings,
        model,
        2,
        exclude=model.by_type("IfcOpeningElement"),
        geometry_library="hybrid-cgal-simple-opencascade",
    )
    out: set[str] = set()
    if it.initialize():
        while True:
            shape = it.get()
            if len(ifcopenshell.util.shape.get_faces(shape.geometry)):
                out.add(shape.guid)
            if not it.next():
                break
    return out
