-- Per-layer permissions: a right (read, update, publish) on a layer for a role, a user or a
-- department. A layer with no row is open to every reader; the layer need not exist yet (a
-- layer can be restricted before its first ingest), and grants outlive a deleted layer, so
-- a layer re-created under the same name stays restricted.

CREATE TABLE layer_permissions (
    layer_id     text NOT NULL,
    right_name   text NOT NULL CHECK (right_name IN ('read', 'update', 'publish')),
    subject_kind text NOT NULL CHECK (subject_kind IN ('role', 'user', 'department')),
    subject      text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 100),
    granted_by   text NOT NULL,
    granted_at   text NOT NULL,
    PRIMARY KEY (layer_id, right_name, subject_kind, subject)
);
