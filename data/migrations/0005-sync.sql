-- Sync with HQ (sync/PROTOCOL.md, sync/README.md): where this device is enrolled and what the
-- last passes learnt. The bearer token is deliberately not here: it lives in a file only the
-- user can read, so a copy of the store enrols nobody.

CREATE TABLE sync_enrolment (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  hq_url TEXT NOT NULL,              -- https://…, or http:// on loopback only
  ca_file TEXT,                      -- a CA bundle to trust for HQ instead of the system's
  team_id TEXT NOT NULL,
  team_name TEXT NOT NULL,
  hq_public_key TEXT,                -- HQ's X25519 key, standard base64 (PROTOCOL.md section 9)
  enrolled_at INTEGER NOT NULL,      -- UTC ms
  manifest_cursor TEXT,              -- stored only with the manifest it came with
  manifest_at INTEGER,               -- UTC ms of the last applied manifest
  last_attempt_at INTEGER,           -- UTC ms
  last_success_at INTEGER,           -- UTC ms of the last pass that left nothing waiting
  last_error TEXT,                   -- why the last pass stopped early, for a person
  clock_skew_ms INTEGER,             -- device clock minus HQ's Date at the last exchange
  clock_checked_at INTEGER,          -- UTC ms of that exchange
  reenrol_needed INTEGER NOT NULL DEFAULT 0 CHECK (reenrol_needed IN (0, 1))
) STRICT;

-- A photo that cannot be sent as it is (its file is gone, or no longer hashes to its name) is
-- reported here rather than tried again on every pass.
ALTER TABLE photos ADD COLUMN upload_problem TEXT;
