-- Projections: derived from the events, updated in the same transaction as each event, and
-- rebuildable from them at any time (mend_store_rebuild_projections).

CREATE TABLE session_progress (
  session_id TEXT PRIMARY KEY,
  started_at INTEGER,
  started_event TEXT,
  ended_at INTEGER,
  ended_event TEXT
) STRICT;

CREATE TABLE attendance (
  session_id TEXT NOT NULL,
  participant_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('on_site', 'done', 'absent')),
  checked_in_event TEXT,
  arrived_at INTEGER,
  briefed_at INTEGER,
  checked_out_event TEXT,
  finished_at INTEGER,
  penalty_minutes INTEGER,
  outcome TEXT,
  quality TEXT,
  behaviour TEXT,
  minutes_credited INTEGER NOT NULL DEFAULT 0,
  absent_event TEXT,
  PRIMARY KEY (session_id, participant_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX attendance_by_participant ON attendance (participant_id);

CREATE TABLE tally_totals (
  session_id TEXT NOT NULL,
  category_id TEXT NOT NULL,
  total INTEGER NOT NULL,
  PRIMARY KEY (session_id, category_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE voided_events (
  event_id TEXT PRIMARY KEY,
  voided_by TEXT NOT NULL
) STRICT, WITHOUT ROWID;
