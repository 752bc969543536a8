#!/usr/bin/env bash
# Find (or start) the PostgreSQL the tests use. Under CI=true a missing PostgreSQL is an error,
# never a reason to skip: the suite runs every API test on SQLite and on PostgreSQL.
set -u
URL="${TRACEHOUSE_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! ready; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432; trying to start it..." >&2
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    done
  fi
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
if ready; then
  echo "PostgreSQL is ready ($URL)."
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "ERROR: PostgreSQL is required under CI and could not be found or started." >&2
  exit 1
fi
echo "WARNING: PostgreSQL is unavailable; the PostgreSQL half of the suite will fail." >&2
exit 0
