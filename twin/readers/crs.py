"""Resolve coordinate reference systems given by users: EPSG codes, WKT, PROJ strings or files."""

from __future__ import annotations

from pathlib import Path

from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from twin.errors import CRSError


def parse_crs(text: str) -> CRS:
    """``EPSG:4547``, ``4547``, a WKT string, a PROJ string, or a path to a .prj/.wkt file."""
    candidate = text.strip()
    if not candidate:
        raise CRSError("empty CRS")
    path = Path(candidate)
    if len(candidate) < 4096 and path.suffix.lower() in {".prj", ".wkt", ".txt"}:
        if not path.is_file():
            raise CRSError(f"CRS file not found: {path.name}")
        candidate = path.read_text(encoding="utf-8", errors="replace").strip()
    if candidate.isdigit():
        candidate = f"EPSG:{candidate}"
    try:
        return CRS.from_user_input(candidate)
    except ProjCRSError as exc:
        raise CRSError(f"CRS not understood: {str(exc).splitlines()[0][:200]}") from exc


def crs_label(crs: CRS) -> str:
    """A short label for humans and the catalog: ``EPSG:4547`` when known, else the WKT."""
    auth = crs.to_authority(min_confidence=90)
    if auth is not None:
        return f"{auth[0]}:{auth[1]}"
    return str(crs.to_wkt())
