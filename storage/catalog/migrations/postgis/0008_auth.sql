-- Local users (argon2 hashes), their sessions, failed logins for throttling, and the
-- append-only audit log of every write. Times of sessions and failures are Unix seconds.

CREATE TABLE users (
    name          text PRIMARY KEY,
    roles         jsonb NOT NULL CHECK (jsonb_typeof(roles) = 'array'),
    department    text,
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    text NOT NULL,
    updated_at    text NOT NULL
);

CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_name  text NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at double precision NOT NULL,
    expires_at double precision NOT NULL,
    ip         text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions (user_name);

CREATE TABLE login_failures (
    throttle_key text NOT NULL,
    at           double precision NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (throttle_key, at);

CREATE TABLE audit_log (
    seq    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     text NOT NULL,
    actor  text NOT NULL,
    action text NOT NULL,
    target text NOT NULL DEFAULT '',
    ip     text NOT NULL DEFAULT '',
    status integer,
    detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
