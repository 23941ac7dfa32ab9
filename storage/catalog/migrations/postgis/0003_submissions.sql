-- BIM submissions under review (报建审查): one row per submitted version of a project, the
-- append-only history of its states, and the opinions departments enter in parallel.

CREATE TABLE submissions (
    id          text PRIMARY KEY,
    project     text NOT NULL,
    version     integer NOT NULL CHECK (version >= 1),
    title       text NOT NULL,
    layer_id    text NOT NULL,
    state       text NOT NULL CHECK (state IN
                  ('submitted', 'checked', 'under_review', 'approved', 'returned', 'rejected')),
    file_name   text NOT NULL,
    ifc_key     text NOT NULL,
    inputs      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(inputs) = 'object'),
    report      jsonb CHECK (report IS NULL OR jsonb_typeof(report) = 'object'),
    diff        jsonb CHECK (diff IS NULL OR jsonb_typeof(diff) = 'object'),
    bcf_key     text,
    check_error text,
    previous_id text REFERENCES submissions (id),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (project, version)
);

CREATE TABLE submission_events (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id text NOT NULL REFERENCES submissions (id),
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    action        text NOT NULL,
    from_state    text,
    to_state      text,
    note          text NOT NULL DEFAULT ''
);
CREATE INDEX submission_events_by_submission ON submission_events (submission_id, seq);

CREATE TABLE submission_opinions (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id text NOT NULL REFERENCES submissions (id),
    department    text NOT NULL,
    author        text NOT NULL,
    at            timestamptz NOT NULL,
    verdict       text NOT NULL CHECK (verdict IN ('agree', 'conditional', 'disagree', 'comment')),
    text          text NOT NULL,
    source        text NOT NULL CHECK (source IN ('api', 'bcf')),
    topic_guid    text,
    comment_guid  text,
    element_ids   jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(element_ids) = 'array'),
    UNIQUE (submission_id, comment_guid)
);
CREATE INDEX submission_opinions_by_submission ON submission_opinions (submission_id, seq);

-- the history is append-only
CREATE FUNCTION submission_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'submission events are append-only';
END $$;
CREATE TRIGGER submission_events_no_change BEFORE UPDATE OR DELETE ON submission_events
    FOR EACH ROW EXECUTE FUNCTION submission_events_append_only();
