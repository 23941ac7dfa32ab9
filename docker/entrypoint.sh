#!/bin/sh
# Entry point of the twin image: apply pending catalog migrations, then run the
# command (by default `twin serve --host 0.0.0.0 --port 8000`).
# TWIN_SKIP_MIGRATE=1 skips the migrations; TWIN_MIGRATE_ATTEMPTS (default 10)
# bounds the retries while the database is still starting.
set -eu

if [ "${TWIN_SKIP_MIGRATE:-0}" != "1" ]; then
    attempt=1
    until twin db migrate; do
        if [ "$attempt" -ge "${TWIN_MIGRATE_ATTEMPTS:-10}" ]; then
            echo "twin-entrypoint: catalog migrations failed after $attempt attempts" >&2
            exit 1
        fi
        attempt=$((attempt + 1))
        sleep 3
    done
fi

exec "$@"
