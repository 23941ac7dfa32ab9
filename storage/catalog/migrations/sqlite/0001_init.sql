-- twin catalog, SQLite: layers, their versions and the features of each version.
-- Feature footprints are 2D WKB in lon/lat (EPSG:4326); the R*Tree indexes their bounds.

CREATE TABLE layers (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    crs              TEXT NOT NULL,
    west             REAL,
    south            REAL,
    east             REAL,
    north            REAL,
    zmin             REAL,
    zmax             REAL,
    current_version  INTEGER,
    tileset_key      TEXT,
    feature_count    INTEGER NOT NULL DEFAULT 0,
    attribute_schema TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attribute_schema)),
    visible          INTEGER NOT NULL DEFAULT 1,
    updated_at       TEXT NOT NULL
);

CREATE TABLE layer_versions (
    layer_id     TEXT NOT NULL REFERENCES layers (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('building', 'published', 'failed')),
    created_at   TEXT NOT NULL,
    published_at TEXT,
    PRIMARY KEY (layer_id, version)
);

-- rid aliases the rowid (stable across VACUUM) and keys the R*Tree;
-- (layer_id, version, id) is the natural primary key.
CREATE TABLE features (
    rid         INTEGER PRIMARY KEY,
    layer_id    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    id          TEXT NOT NULL,
    class       TEXT NOT NULL,
    parent_id   TEXT,
    attributes  TEXT NOT NULL CHECK (json_type(attributes) = 'object'),
    footprint   BLOB NOT NULL,
    minx        REAL NOT NULL,
    miny        REAL NOT NULL,
    maxx        REAL NOT NULL,
    maxy        REAL NOT NULL,
    zmin        REAL NOT NULL,
    zmax        REAL NOT NULL,
    content_key TEXT NOT NULL,
    UNIQUE (layer_id, version, id)
);

CREATE INDEX features_by_id ON features (id);

CREATE VIRTUAL TABLE features_rtree USING rtree (id, minx, maxx, miny, maxy);
