-- The overlay event log (an outbox): every change to live data (problems, projects,
-- indicators, ...) appends one row in the same transaction as the change. Viewers follow it
-- by sequence number, so a client that reconnects catches up from the last seq it saw.

CREATE TABLE overlay_events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    channel TEXT NOT NULL,
    kind    TEXT NOT NULL,
    item_id TEXT NOT NULL,
    actor   TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload))
);
CREATE INDEX overlay_events_by_channel ON overlay_events (channel, seq);
