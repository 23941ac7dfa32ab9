-- Layer metadata (e.g. the georeference a BIM submission was placed with, its IFC schema)
-- and an index to walk a feature hierarchy (site -> building -> storey -> element).

ALTER TABLE layers ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_type(metadata) = 'object');

CREATE INDEX features_by_parent ON features (layer_id, version, parent_id);
