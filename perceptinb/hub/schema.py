"""The hub's SQLite schema and its forward migrations.

The file identifies itself with ``PRAGMA application_id`` (so a foreign SQLite file is told apart
from an empty one) and versions its layout with ``PRAGMA user_version``. `MIGRATIONS[n]` takes a
file from version ``n`` to ``n + 1``; opening an older file runs the missing steps in one
transaction, and a file from a newer perceptinb is refused rather than guessed at.
"""

from __future__ import annotations

# "pnbH" as a big-endian int: what `PRAGMA application_id` holds in every hub file.
APPLICATION_ID = 0x706E6248

# Run statuses. "running" and "paused" are live; the others are final.
LIVE_STATUSES = ("pending", "running", "paused")
FINAL_STATUSES = ("complete", "stopped", "diverged", "failed", "crashed")
STATUSES = LIVE_STATUSES + FINAL_STATUSES

_STATUS_CHECK = ", ".join(f"'{s}'" for s in STATUSES)

_V1 = f"""
CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent INTEGER REFERENCES versions(id) ON DELETE SET NULL,
    params INTEGER,
    created REAL NOT NULL,
    graph TEXT NOT NULL
);
CREATE INDEX versions_name ON versions(name);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER REFERENCES versions(id),
    status TEXT NOT NULL CHECK (status IN ({_STATUS_CHECK})),
    message TEXT NOT NULL DEFAULT '',
    started REAL NOT NULL,
    ended REAL,
    heartbeat REAL,
    pid INTEGER,
    host TEXT,
    epochs INTEGER,
    epochs_done INTEGER NOT NULL DEFAULT 0,
    settings TEXT NOT NULL DEFAULT '{{}}',
    summary TEXT NOT NULL DEFAULT '{{}}',
    source TEXT NOT NULL DEFAULT 'train'
);
CREATE INDEX runs_status ON runs(status);
CREATE TABLE metrics (
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    step INTEGER,
    wall REAL NOT NULL,
    value REAL,
    PRIMARY KEY (run, key, epoch)
) WITHOUT ROWID;
CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY,
    run INTEGER REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created REAL NOT NULL,
    meta TEXT NOT NULL DEFAULT '{{}}'
);
CREATE INDEX artifacts_run ON artifacts(run);
CREATE TABLE tests (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    created REAL NOT NULL,
    task TEXT NOT NULL,
    epoch INTEGER,
    metrics TEXT NOT NULL
);
CREATE INDEX tests_run ON tests(run);
"""

# Version 2: live progress (share of the planned batches done), written with each heartbeat, so
# the hub shows a running run's percent between epochs.
_V2 = "ALTER TABLE runs ADD COLUMN progress REAL"

# MIGRATIONS[n] upgrades a version-n file to n + 1. Version 0 is a fresh, empty file.
MIGRATIONS: list[str] = [_V1, _V2]
SCHEMA_VERSION = len(MIGRATIONS)
