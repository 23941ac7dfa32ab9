-- Local users (argon2 hashes), their sessions, failed logins for throttling, and the
-- append-only audit log of every write. Times of sessions and failures are Unix seconds.

CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    roles         TEXT NOT NULL CHECK (json_type(roles) = 'array'),
    department    TEXT,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions (user_name);

CREATE TABLE login_failures (
    throttle_key TEXT NOT NULL,
    at           REAL NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (throttle_key, at);

CREATE TABLE audit_log (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    ip     TEXT NOT NULL DEFAULT '',
    status INTEGER,
    detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
