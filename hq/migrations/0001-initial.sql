-- SPDX-License-Identifier: GPL-3.0-or-later
-- The first HQ schema: teams, enrolled devices and their chain heads, one-time enrolment
-- codes, and every event a device pushed (sync/PROTOCOL.md sections 9 and 10). HQ keeps only
-- SHA-256 digests of tokens and codes, so a copy of this database enrols nobody.

CREATE TABLE teams (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
  id text PRIMARY KEY,
  team text NOT NULL REFERENCES teams (id),
  name text,
  token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
  enrolled_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  -- The last event HQ holds of this device's chain: seq 0 and the genesis hash when none.
  head_seq bigint NOT NULL DEFAULT 0,
  head_hash text NOT NULL
    DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
  last_seen timestamptz
);

CREATE TABLE enrolment_codes (
  code_sha256 bytea PRIMARY KEY CHECK (length(code_sha256) = 32),
  team text NOT NULL REFERENCES teams (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  used_by text
);

CREATE TABLE events (
  device text NOT NULL REFERENCES devices (id),
  seq bigint NOT NULL CHECK (seq > 0),
  id text NOT NULL UNIQUE,
  kind text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  -- The canonical bytes the hash covers, rebuilt from the values, so an audit can re-check
  -- the chain without trusting any other column.
  canonical bytea NOT NULL,
  payload jsonb NOT NULL,
  -- 'invalid' is an event that joined the chain but was refused by a rule (section 10,
  -- step 6); it stays for audit and changes no team data.
  status text NOT NULL CHECK (status IN ('stored', 'invalid')),
  message text,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (device, seq)
);
