-- The search index of the viewer's search box: the labels (id, names, addresses) of the
-- features of each indexed layer version, normalised and in pinyin; see storage/search/.
-- A label is found only while its version is the layer's current one. The FTS5 trigram
-- table (rowid = search_labels.rid) finds substrings of 3+ characters; shorter queries use
-- the B-tree indexes (prefixes) and a scan of norm.

CREATE TABLE search_labels (
    rid        INTEGER PRIMARY KEY,
    layer_id   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    feature_id TEXT NOT NULL,
    field      TEXT NOT NULL CHECK (field IN ('id', 'name', 'address')),
    label      TEXT NOT NULL,
    norm       TEXT NOT NULL,
    pinyin     TEXT NOT NULL,
    initials   TEXT NOT NULL,
    title      TEXT NOT NULL,
    lon        REAL NOT NULL,
    lat        REAL NOT NULL,
    zmax       REAL NOT NULL
);

CREATE INDEX search_labels_by_version ON search_labels (layer_id, version);
CREATE INDEX search_labels_by_norm ON search_labels (norm);
CREATE INDEX search_labels_by_initials ON search_labels (initials);
CREATE INDEX search_labels_by_pinyin ON search_labels (pinyin);

CREATE VIRTUAL TABLE search_trigrams USING fts5 (norm, pinyin, initials, tokenize = 'trigram');
