-- twin catalog, PostGIS: layers, their versions and the features of each version.
-- Text columns that are filtered or ordered use the "C" collation so that ordering
-- is by code point, the same as on SQLite.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE layers (
    id               text COLLATE "C" PRIMARY KEY,
    kind             text NOT NULL,
    title            text NOT NULL,
    crs              text NOT NULL,
    west             double precision,
    south            double precision,
    east             double precision,
    north            double precision,
    zmin             double precision,
    zmax             double precision,
    current_version  integer,
    tileset_key      text,
    feature_count    bigint NOT NULL DEFAULT 0,
    attribute_schema jsonb NOT NULL DEFAULT '{}'::jsonb,
    visible          boolean NOT NULL DEFAULT true,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE layer_versions (
    layer_id     text COLLATE "C" NOT NULL REFERENCES layers (id) ON DELETE CASCADE,
    version      integer NOT NULL,
    status       text NOT NULL CHECK (status IN ('building', 'published', 'failed')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    PRIMARY KEY (layer_id, version)
);

CREATE TABLE features (
    layer_id    text COLLATE "C" NOT NULL,
    version     integer NOT NULL,
    id          text COLLATE "C" NOT NULL,
    class       text COLLATE "C" NOT NULL,
    parent_id   text COLLATE "C",
    attributes  jsonb NOT NULL CHECK (jsonb_typeof(attributes) = 'object'),
    footprint   geometry(Geometry, 4326) NOT NULL,
    minx        double precision NOT NULL,
    miny        double precision NOT NULL,
    maxx        double precision NOT NULL,
    maxy        double precision NOT NULL,
    zmin        double precision NOT NULL,
    zmax        double precision NOT NULL,
    content_key text NOT NULL,
    PRIMARY KEY (layer_id, version, id)
);

CREATE INDEX features_footprint_gist ON features USING gist (footprint);
CREATE INDEX features_by_id ON features (id);
