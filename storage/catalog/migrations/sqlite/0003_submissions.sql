-- BIM submissions under review (报建审查): one row per submitted version of a project, the
-- append-only history of its states, and the opinions departments enter in parallel.

CREATE TABLE submissions (
    id          TEXT PRIMARY KEY,
    project     TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    title       TEXT NOT NULL,
    layer_id    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN
                  ('submitted', 'checked', 'under_review', 'approved', 'returned', 'rejected')),
    file_name   TEXT NOT NULL,
    ifc_key     TEXT NOT NULL,
    inputs      TEXT NOT NULL DEFAULT '{}' CHECK (json_type(inputs) = 'object'),
    report      TEXT CHECK (report IS NULL OR json_type(report) = 'object'),
    diff        TEXT CHECK (diff IS NULL OR json_type(diff) = 'object'),
    bcf_key     TEXT,
    check_error TEXT,
    previous_id TEXT REFERENCES submissions (id),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project, version)
);

CREATE TABLE submission_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    from_state    TEXT,
    to_state      TEXT,
    note          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX submission_events_by_submission ON submission_events (submission_id, seq);

CREATE TABLE submission_opinions (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    department    TEXT NOT NULL,
    author        TEXT NOT NULL,
    at            TEXT NOT NULL,
    verdict       TEXT NOT NULL CHECK (verdict IN ('agree', 'conditional', 'disagree', 'comment')),
    text          TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('api', 'bcf')),
    topic_guid    TEXT,
    comment_guid  TEXT,
    element_ids   TEXT NOT NULL DEFAULT '[]' CHECK (json_type(element_ids) = 'array'),
    UNIQUE (submission_id, comment_guid)
);
CREATE INDEX submission_opinions_by_submission ON submission_opinions (submission_id, seq);

-- the history is append-only
CREATE TRIGGER submission_events_no_update BEFORE UPDATE ON submission_events
BEGIN SELECT RAISE(ABORT, 'submission events are append-only'); END;
CREATE TRIGGER submission_events_no_delete BEFORE DELETE ON submission_events
BEGIN SELECT RAISE(ABORT, 'submission events are append-only'); END;
