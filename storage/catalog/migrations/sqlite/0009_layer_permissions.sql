-- Per-layer permissions: a right (read, update, publish) on a layer for a role, a user or a
-- department. A layer with no row is open to every reader; the layer need not exist yet (a
-- layer can be restricted before its first ingest), and grants outlive a deleted layer, so
-- a layer re-created under the same name stays restricted.

CREATE TABLE layer_permissions (
    layer_id     TEXT NOT NULL,
    right_name   TEXT NOT NULL CHECK (right_name IN ('read', 'update', 'publish')),
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('role', 'user', 'department')),
    subject      TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 100),
    granted_by   TEXT NOT NULL,
    granted_at   TEXT NOT NULL,
    PRIMARY KEY (layer_id, right_name, subject_kind, subject)
);
