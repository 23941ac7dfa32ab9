"""SQL of the search store, per backend. Values are always parameters; the tiers are those
of ``twin.search.rank`` (0 exact id, 1 prefix, 2 substring, 3 initials, 4 full pinyin)."""

from __future__ import annotations

from dataclasses import dataclass

_COLUMNS = (
    "layer_id, version, feature_id, field, label, norm, pinyin, initials, title, lon, lat, zmax"
)

_TRIGRAMS_OF = "DELETE FROM search_trigrams WHERE rowid IN (SELECT rid FROM search_labels "


@dataclass(frozen=True)
class SearchSQL:
    insert: str
    delete_layer: str
    delete_other_versions: str
    #: SQLite: the trigram rows of what the two deletes above remove (run first)
    delete_layer_trigrams: str
    delete_other_trigrams: str
    indexed_version: str
    current_version: str
    features: str
    #: candidates found through the trigram index (queries of 3+ characters)
    search_indexed: str
    #: candidates found by scanning (shorter queries)
    search_scan: str


def _search(tier: str, where: str, param: str) -> str:
    layer = param.format("layer")
    # S608: the pieces are constants of this module (placeholders, column names); values bind
    return (
        "SELECT layer_id, feature_id, field, title, tier, lon, lat, zmax FROM ("  # noqa: S608
        "SELECT s.layer_id, s.feature_id, s.field, s.title, s.lon, s.lat, s.zmax, s.label, "
        f"l.updated_at AS published, {tier} AS tier "
        "FROM search_labels s JOIN layers l ON l.id = s.layer_id AND l.current_version = s.version "
        f"WHERE {where} AND (CAST({layer} AS TEXT) IS NULL OR s.layer_id = {layer})"
        ") m WHERE tier IS NOT NULL "
        "ORDER BY tier, published DESC, length(label), label, layer_id, feature_id "
        f"LIMIT {param.format('cap')}"
    )


def _tier(param: str, strpos: str) -> str:
    q, n, pk = param.format("q"), param.format("qlen"), param.format("pk")
    return (
        f"CASE WHEN s.field = 'id' AND s.norm = {q} THEN 0 "
        f"WHEN substr(s.norm, 1, {n}) = {q} THEN 1 "
        f"WHEN {strpos.format('s.norm', q)} > 0 THEN 2 "
        f"WHEN {pk} <> '' AND {strpos.format('s.initials', pk)} > 0 THEN 3 "
        f"WHEN {pk} <> '' AND {strpos.format('s.pinyin', pk)} > 0 THEN 4 END"
    )


def _sqlite() -> SearchSQL:
    p = ":{}"
    tier = _tier(p, "instr({}, {})")
    scan = (
        "(instr(s.norm, :q) > 0 OR (:pk <> '' AND "
        "(instr(s.initials, :pk) > 0 OR instr(s.pinyin, :pk) > 0)))"
    )
    fts = "s.rid IN (SELECT rowid FROM search_trigrams WHERE search_trigrams MATCH :match)"
    return SearchSQL(
        insert=f"INSERT INTO search_labels (rid, {_COLUMNS}) VALUES ({', '.join('?' * 13)})",  # noqa: S608
        delete_layer="DELETE FROM search_labels WHERE layer_id = ?",
        delete_other_versions="DELETE FROM search_labels WHERE layer_id = ? AND version <> ?",
        delete_layer_trigrams=_TRIGRAMS_OF + "WHERE layer_id = ?)",
        delete_other_trigrams=_TRIGRAMS_OF + "WHERE layer_id = ? AND version <> ?)",
        indexed_version="SELECT max(version) FROM search_labels WHERE layer_id = ?",
        current_version="SELECT current_version FROM layers WHERE id = ?",
        features=(
            "SELECT id, class, attributes, footprint, minx, miny, maxx, maxy, zmax FROM features "
            "WHERE layer_id = ? AND version = ? ORDER BY id"
        ),
        search_indexed=_search(tier, fts, p),
        search_scan=_search(tier, scan, p),
    )


def _postgis() -> SearchSQL:
    p = "%({})s"
    tier = _tier(p, "strpos({}, {})")
    like = (
        "(s.norm LIKE %(contains)s OR (%(pk)s <> '' AND "
        "(s.initials LIKE %(pk_contains)s OR s.pinyin LIKE %(pk_contains)s)))"
    )
    return SearchSQL(
        insert="",  # COPY
        delete_layer="DELETE FROM search_labels WHERE layer_id = %s",
        delete_other_versions="DELETE FROM search_labels WHERE layer_id = %s AND version <> %s",
        delete_layer_trigrams="",
        delete_other_trigrams="",
        indexed_version="SELECT max(version) FROM search_labels WHERE layer_id = %s",
        current_version="SELECT current_version FROM layers WHERE id = %s FOR SHARE",
        features=(
            "SELECT id, class, attributes, ST_AsBinary(footprint), minx, miny, maxx, maxy, zmax "
            "FROM features WHERE layer_id = %s AND version = %s ORDER BY id"
        ),
        search_indexed=_search(tier, like, p),
        search_scan=_search(tier, like, p),
    )


COPY_LABELS = f"COPY search_labels ({_COLUMNS}) FROM STDIN"
SQLITE = _sqlite()
POSTGIS = _postgis()
