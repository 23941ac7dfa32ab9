-- The search index of the viewer's search box: the labels (id, names, addresses) of the
-- features of each indexed layer version, normalised and in pinyin; see storage/search/.
-- A label is found only while its version is the layer's current one. pg_trgm GIN indexes
-- serve the prefix and substring (LIKE) lookups.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE search_labels (
    layer_id   text COLLATE "C" NOT NULL,
    version    integer NOT NULL,
    feature_id text COLLATE "C" NOT NULL,
    field      text NOT NULL CHECK (field IN ('id', 'name', 'address')),
    label      text COLLATE "C" NOT NULL,
    norm       text COLLATE "C" NOT NULL,
    pinyin     text COLLATE "C" NOT NULL,
    initials   text COLLATE "C" NOT NULL,
    title      text NOT NULL,
    lon        double precision NOT NULL,
    lat        double precision NOT NULL,
    zmax       double precision NOT NULL
);

CREATE INDEX search_labels_by_version ON search_labels (layer_id, version);
CREATE INDEX search_labels_norm_trgm ON search_labels USING gin (norm gin_trgm_ops);
CREATE INDEX search_labels_pinyin_trgm ON search_labels USING gin (pinyin gin_trgm_ops);
CREATE INDEX search_labels_initials_trgm ON search_labels USING gin (initials gin_trgm_ops);
