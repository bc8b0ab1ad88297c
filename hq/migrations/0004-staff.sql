-- SPDX-License-Identifier: GPL-3.0-or-later
-- HQ staff who use the dashboard: their Argon2id password hashes (libsodium's
-- crypto_pwhash_str form), their web sessions and the failed logins that lock a name or an
-- address out. Sessions are kept as SHA-256 digests of the cookie's token, so a copy of this
-- database logs nobody in.

CREATE TABLE staff_users (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);

CREATE TABLE staff_sessions (
  token_sha256 bytea PRIMARY KEY CHECK (length(token_sha256) = 32),
  user_id bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  -- The anti-forgery token every form of this session carries; it is useless without the
  -- session cookie, which only its digest above stands for.
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

-- One row per failed login. The lockout counts the rows of a name, and of an address, in the
-- last 15 minutes; rows older than a day are deleted as new ones come.
CREATE TABLE staff_login_failures (
  id bigserial PRIMARY KEY,
  user_name text NOT NULL,
  address text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX staff_login_failures_name ON staff_login_failures (user_name, failed_at);
CREATE INDEX staff_login_failures_address ON staff_login_failures (address, failed_at);

-- What the dashboard asks of every event it counts: is there a stored void naming it?
CREATE INDEX events_voided_target ON events ((payload ->> 'target'))
  WHERE kind = 'event.voided' AND status = 'stored';
