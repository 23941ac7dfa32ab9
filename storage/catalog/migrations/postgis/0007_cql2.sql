-- OGC API Features / CQL2: hierarchy lookups by parent, and instants of ISO 8601 text.

CREATE INDEX IF NOT EXISTS features_by_parent ON features (layer_id, version, parent_id);

-- twin_instant(text): the instant an ISO 8601 date or timestamp names (no offset: UTC),
-- NULL for anything else; the same forms as storage/catalog/cql2_temporal.py reads.
CREATE OR REPLACE FUNCTION twin_instant(value text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET timezone = 'UTC'
AS $$
BEGIN
    IF length(value) > 40 OR value !~ ('^[0-9]{4}-[0-9]{2}-[0-9]{2}'
        '([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$')
    THEN
        RETURN NULL;
    END IF;
    RETURN value::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
