-- The append-only event log. A row is never updated while unsynced except for its sync
-- state; a correction is a new event. Events deliberately have no foreign keys to the
-- reference data: they are facts, and HQ may later drop the reference rows they name.

CREATE TABLE events (
  seq INTEGER PRIMARY KEY,           -- per device, 1, 2, 3, ... with no gaps
  id TEXT NOT NULL UNIQUE,           -- UUID made on the device, once
  kind TEXT NOT NULL,
  session_id TEXT,
  participant_id TEXT,
  supervisor_id TEXT,
  recorded_at INTEGER NOT NULL,      -- device clock at commit, UTC ms
  occurred_at INTEGER NOT NULL,      -- when the supervisor says it happened, UTC ms
  -- The position the record was taken with, or why there was none (see data/mend-fix.h).
  fix_state TEXT NOT NULL DEFAULT 'off'
    CHECK (fix_state IN ('off', 'no_gpsd', 'no_fix', 'fix', 'stale')),
  fix_note TEXT,                     -- why there was no fix, or why it was stale
  gnss_time INTEGER,                 -- the fix's satellite time, UTC ms
  lat REAL,
  lon REAL,
  alt REAL,
  h_accuracy REAL,                   -- horizontal error, metres
  fix_mode INTEGER NOT NULL DEFAULT 0 CHECK (fix_mode IN (0, 2, 3)),
  satellites INTEGER,                -- satellites used, when known
  fix_age_ms INTEGER,                -- how old the fix was when the record was made
  clock_skew_ms INTEGER,             -- device clock minus satellite time, when over 2 minutes
  payload TEXT NOT NULL,             -- canonical JSON object
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  sync_state TEXT NOT NULL DEFAULT 'pending'
    CHECK (sync_state IN ('pending', 'acknowledged', 'parked')),
  sync_message TEXT                  -- HQ's reason when parked
) STRICT;
CREATE INDEX events_by_session ON events (session_id, seq);
CREATE INDEX events_by_participant ON events (participant_id, seq);
CREATE INDEX events_pending ON events (seq) WHERE sync_state = 'pending';

-- The head of the chain, moved in the same transaction as each append, so that removing the
-- newest events is detected as surely as altering older ones.
ALTER TABLE device ADD COLUMN head_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE device ADD COLUMN head_hash TEXT NOT NULL
  DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
