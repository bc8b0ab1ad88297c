-- Reference data from HQ, and the device's own identity. Applied from a manifest in one
-- transaction; never touched by the event log.

CREATE TABLE device (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  device_id TEXT NOT NULL,           -- UUID made once, when the store is created
  created_at INTEGER NOT NULL,       -- UTC ms
  demo INTEGER NOT NULL DEFAULT 0    -- 1 once `mendctl demo` loaded demo reference data
) STRICT;

CREATE TABLE supervisors (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  pin_hash TEXT                      -- libsodium crypto_pwhash_str (Argon2id), salted
) STRICT;

CREATE TABLE sites (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  address TEXT,
  boundary TEXT NOT NULL,            -- GeoJSON Polygon or MultiPolygon, WGS 84
  centre_lat REAL,
  centre_lon REAL,
  demo INTEGER NOT NULL DEFAULT 0    -- 1: approximate demo data, not a surveyed boundary
) STRICT;

CREATE TABLE participants (
  id TEXT PRIMARY KEY,
  case_ref TEXT NOT NULL,
  display_name TEXT,                 -- NULL for restricted people
  restricted INTEGER NOT NULL DEFAULT 0,
  minutes_ordered INTEGER NOT NULL CHECK (minutes_ordered >= 0),
  minutes_credited_hq INTEGER NOT NULL DEFAULT 0 CHECK (minutes_credited_hq >= 0),
  disposal_type TEXT NOT NULL,
  disposal_at INTEGER                -- UTC ms
) STRICT;

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites (id),
  supervisor_id TEXT REFERENCES supervisors (id),
  starts_at INTEGER NOT NULL,        -- UTC ms
  ends_at INTEGER NOT NULL,
  CHECK (ends_at > starts_at)
) STRICT;
CREATE INDEX sessions_by_start ON sessions (starts_at);

CREATE TABLE assignments (
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
  PRIMARY KEY (session_id, participant_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX assignments_by_participant ON assignments (participant_id);

CREATE TABLE outcome_codes (
  code TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  hint TEXT NOT NULL DEFAULT '',
  attended INTEGER NOT NULL,
  credits_time INTEGER NOT NULL,
  alerts_referrer INTEGER NOT NULL
) STRICT;

CREATE TABLE tally_categories (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  unit TEXT NOT NULL,
  position INTEGER                   -- display order; NULL sorts last
) STRICT;
