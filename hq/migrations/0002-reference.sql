-- SPDX-License-Identifier: GPL-3.0-or-later
-- Each team's reference data (DESIGN.md section 1: supervisors, sites, people, sessions and who
-- is expected at them), the scheme-wide outcome codes and tally categories, the change log that
-- GET /api/v1/manifest?since=CURSOR reads (sync/PROTOCOL.md section 12), and HQ's key pair for
-- sealed boxes (section 9).
--
-- Conventions, for every reader of these tables (the manifest, the admin CLI, the dashboard):
-- * Ids are the ids devices see: text, 1-128 bytes, unique across HQ (not per team), so an
--   event's session or participant names exactly one row. A row's team never changes.
-- * Times are timestamptz, as in 0001; the manifest sends them as UTC milliseconds.
-- * A team's rows may name only rows of the same team: the composite foreign keys below make
--   PostgreSQL refuse a session at another team's site, or another team's person on a session.
-- * changed_xid is the transaction that last wrote the row (set by the triggers below). Deleting
--   a row leaves a tombstone in reference_deletions. A manifest cursor is the xmin of the
--   snapshot it was read in: every transaction below it had finished, so "changed_xid >= cursor"
--   is exactly what that manifest may not have seen, whatever order transactions committed in.

-- One row: the key pair devices seal data for HQ with (libsodium crypto_box_keypair, X25519),
-- made by `mend-hq admin init`. The secret key never leaves this table.
CREATE TABLE hq_keys (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  public_key bytea NOT NULL CHECK (length(public_key) = 32),
  secret_key bytea NOT NULL CHECK (length(secret_key) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row: a random name for this database's change history, part of every cursor, so a cursor
-- from another HQ database (or from before a restore) is unknown and gets a full manifest.
CREATE TABLE reference_epoch (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  epoch text NOT NULL DEFAULT substr(md5(gen_random_uuid()::text), 1, 16)
);
INSERT INTO reference_epoch DEFAULT VALUES;

CREATE TABLE supervisors (
  id text PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 128),
  team text NOT NULL REFERENCES teams (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- libsodium crypto_pwhash_str (Argon2id), as data/mend-pin.c makes it; devices get only this.
  pin_hash text NOT NULL CHECK (pin_hash LIKE '$argon2id$%'),
  changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  changed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, team)
);

CREATE TABLE sites (
  id text PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 128),
  team text NOT NULL REFERENCES teams (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  address text CHECK (length(address) <= 500),
  -- A GeoJSON Polygon or MultiPolygon (WGS 84), checked by data/mend-geofence.c on import.
  boundary jsonb NOT NULL CHECK (boundary->>'type' IN ('Polygon', 'MultiPolygon')),
  centre_lat double precision CHECK (centre_lat BETWEEN -90 AND 90),
  centre_lon double precision CHECK (centre_lon BETWEEN -180 AND 180),
  demo boolean NOT NULL DEFAULT false, -- an approximate outline drawn for the demo
  changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  changed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, team)
);

-- People referred to the scheme. display_name is HQ's own: devices receive it only for people
-- with a session today or tomorrow, and never for restricted people.
CREATE TABLE participants (
  id text PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 128),
  team text NOT NULL REFERENCES teams (id),
  case_ref text NOT NULL CHECK (length(case_ref) BETWEEN 1 AND 100),
  display_name text CHECK (length(display_name) BETWEEN 1 AND 200),
  restricted boolean NOT NULL DEFAULT false,
  minutes_ordered integer NOT NULL CHECK (minutes_ordered BETWEEN 0 AND 1000000),
  -- Minutes credited before or outside Mend (imported with the referral); what devices record
  -- is counted from their events, not here.
  minutes_credited integer NOT NULL DEFAULT 0 CHECK (minutes_credited BETWEEN 0 AND 1000000),
  disposal_type text NOT NULL CHECK (length(disposal_type) BETWEEN 1 AND 100),
  disposal_at timestamptz,
  changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  changed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, team)
);

CREATE TABLE sessions (
  id text PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 128),
  team text NOT NULL REFERENCES teams (id),
  site text NOT NULL,
  supervisor text,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  changed_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at),
  UNIQUE (id, team),
  FOREIGN KEY (site, team) REFERENCES sites (id, team),
  FOREIGN KEY (supervisor, team) REFERENCES supervisors (id, team)
);
CREATE INDEX sessions_by_team_start ON sessions (team, starts_at);

CREATE TABLE assignments (
  session text NOT NULL,
  participant text NOT NULL,
  team text NOT NULL REFERENCES teams (id),
  changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session, participant),
  FOREIGN KEY (session, team) REFERENCES sessions (id, team) ON DELETE CASCADE,
  FOREIGN KEY (participant, team) REFERENCES participants (id, team) ON DELETE CASCADE
);
CREATE INDEX assignments_by_participant ON assignments (participant);

-- Outcome codes and tally categories belong to the scheme, not to a team: every team's
-- manifest carries all of them, and the dashboard counts them the same way for every team.
CREATE TABLE outcome_codes (
  code text PRIMARY KEY CHECK (octet_length(code) BETWEEN 1 AND 128),
  label text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
  hint text NOT NULL DEFAULT '' CHECK (length(hint) <= 1000),
  attended boolean NOT NULL,
  credits_time boolean NOT NULL,
  alerts_referrer boolean NOT NULL,
  changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tally_categories (
  id text PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 128),
  label text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
  unit text NOT NULL CHECK (length(unit) BETWEEN 1 AND 50),
  position integer, -- display order; NULL sorts last
  changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- Deleted reference rows, for the "deleted" lists of a manifest delta. list is the manifest
-- list's name; team is NULL for the scheme-wide lists; participant is set only for assignments
-- (then id is the session). A row written again removes its tombstone.
CREATE TABLE reference_deletions (
  list text NOT NULL CHECK (list IN ('supervisors', 'sites', 'participants', 'sessions',
                                     'assignments', 'outcome_codes', 'tally_categories')),
  team text REFERENCES teams (id),
  id text NOT NULL,
  participant text NOT NULL DEFAULT '',
  deleted_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  deleted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (list, id, participant)
);
CREATE INDEX reference_deletions_by_xid ON reference_deletions (deleted_xid);

-- The triggers that keep changed_xid and the tombstones. TG_ARGV[0] is the manifest list.
CREATE FUNCTION reference_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_json jsonb;
BEGIN
  NEW.changed_xid := pg_current_xact_id();
  NEW.changed_at := now();
  IF TG_OP = 'INSERT' THEN
    -- Through jsonb, so one function serves tables whose key columns differ.
    row_json := to_jsonb(NEW);
    DELETE FROM reference_deletions
      WHERE list = TG_ARGV[0]
        AND id = coalesce(row_json->>'id', row_json->>'code', row_json->>'session')
        AND participant = coalesce(row_json->>'participant', '');
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION reference_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_json jsonb := to_jsonb(OLD);
BEGIN
  INSERT INTO reference_deletions (list, team, id, participant)
    VALUES (TG_ARGV[0], row_json->>'team',
            coalesce(row_json->>'id', row_json->>'code', row_json->>'session'),
            coalesce(row_json->>'participant', ''))
    ON CONFLICT (list, id, participant)
      DO UPDATE SET deleted_xid = excluded.deleted_xid, deleted_at = excluded.deleted_at;
  RETURN OLD;
END $$;

CREATE TRIGGER supervisors_touch BEFORE INSERT OR UPDATE ON supervisors
  FOR EACH ROW EXECUTE FUNCTION reference_touch('supervisors');
CREATE TRIGGER sites_touch BEFORE INSERT OR UPDATE ON sites
  FOR EACH ROW EXECUTE FUNCTION reference_touch('sites');
CREATE TRIGGER participants_touch BEFORE INSERT OR UPDATE ON participants
  FOR EACH ROW EXECUTE FUNCTION reference_touch('participants');
CREATE TRIGGER sessions_touch BEFORE INSERT OR UPDATE ON sessions
  FOR EACH ROW EXECUTE FUNCTION reference_touch('sessions');
CREATE TRIGGER assignments_touch BEFORE INSERT OR UPDATE ON assignments
  FOR EACH ROW EXECUTE FUNCTION reference_touch('assignments');
CREATE TRIGGER outcome_codes_touch BEFORE INSERT OR UPDATE ON outcome_codes
  FOR EACH ROW EXECUTE FUNCTION reference_touch('outcome_codes');
CREATE TRIGGER tally_categories_touch BEFORE INSERT OR UPDATE ON tally_categories
  FOR EACH ROW EXECUTE FUNCTION reference_touch('tally_categories');

CREATE TRIGGER supervisors_tombstone AFTER DELETE ON supervisors
  FOR EACH ROW EXECUTE FUNCTION reference_tombstone('supervisors');
CREATE TRIGGER sites_tombstone AFTER DELETE ON sites
  FOR EACH ROW EXECUTE FUNCTION reference_tombstone('sites');
CREATE TRIGGER participants_tombstone AFTER DELETE ON participants
  FOR EACH ROW EXECUTE FUNCTION reference_tombstone('participants');
CREATE TRIGGER sessions_tombstone AFTER DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION reference_tombstone('sessions');
CREATE TRIGGER assignments_tombstone AFTER DELETE ON assignments
  FOR EACH ROW EXECUTE FUNCTION reference_tombstone('assignments');
CREATE TRIGGER outcome_codes_tombstone AFTER DELETE ON outcome_codes
  FOR EACH ROW EXECUTE FUNCTION reference_tombstone('outcome_codes');
CREATE TRIGGER tally_categories_tombstone AFTER DELETE ON tally_categories
  FOR EACH ROW EXECUTE FUNCTION reference_tombstone('tally_categories');
