-- OGC API Features / CQL2: hierarchy lookups by parent. (Instants of ISO 8601 text are
-- read by twin_instant(), a function the catalog registers on its connection.)

CREATE INDEX IF NOT EXISTS features_by_parent ON features (layer_id, version, parent_id);
