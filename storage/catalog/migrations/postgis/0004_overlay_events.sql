-- The overlay event log (an outbox): every change to live data (problems, projects,
-- indicators, ...) appends one row in the same transaction as the change, then
-- pg_notify('twin_overlays', seq) wakes every listening server worker at commit.
-- Appends take a transaction-level advisory lock, so rows commit in seq order and a
-- reader that has seen seq N never misses a smaller seq committed later.

CREATE TABLE overlay_events (
    seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL,
    channel text NOT NULL,
    kind    text NOT NULL,
    item_id text NOT NULL,
    actor   text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX overlay_events_by_channel ON overlay_events (channel, seq);
