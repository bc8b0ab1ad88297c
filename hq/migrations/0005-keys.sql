-- SPDX-License-Identifier: GPL-3.0-or-later
-- Sealed notes and what devices were told (hq/README.md, "Keys" and "Breach report").
--
-- HQ's X25519 key pairs get ids and may be rotated: devices seal notes to the current pair,
-- and older pairs stay so the notes sealed to them still open. A key's id is the first 16 hex
-- digits of the SHA-256 of its public half (data/mend-seal.c), so a device names the key it
-- sealed to without HQ telling it the id.

ALTER TABLE hq_keys DROP CONSTRAINT hq_keys_pkey;
ALTER TABLE hq_keys DROP COLUMN singleton;
ALTER TABLE hq_keys ADD COLUMN key_id text;
UPDATE hq_keys SET key_id = substr(encode(sha256(public_key), 'hex'), 1, 16);
ALTER TABLE hq_keys ALTER COLUMN key_id SET NOT NULL;
ALTER TABLE hq_keys ADD PRIMARY KEY (key_id);
ALTER TABLE hq_keys ADD CONSTRAINT hq_keys_key_id_form CHECK (key_id ~ '^[0-9a-f]{16}$');
-- Set when a newer pair replaced this one; the secret stays for the notes already sealed to it.
ALTER TABLE hq_keys ADD COLUMN retired_at timestamptz;
CREATE UNIQUE INDEX hq_keys_one_current ON hq_keys ((true)) WHERE retired_at IS NULL;
-- The secret keys are for mend-hq's own role alone (hq/README.md).
REVOKE ALL ON hq_keys FROM PUBLIC;

-- Whose personal data each device was sent, by manifest, and when: what a breach report needs
-- if the device is lost. One row per device and person; the case reference is kept as sent, so
-- the report still says who it was after the person's row has gone from HQ's reference data.
CREATE TABLE device_disclosures (
  device text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  participant text NOT NULL,
  case_ref text NOT NULL,
  first_sent_at timestamptz NOT NULL DEFAULT now(),
  last_sent_at timestamptz NOT NULL DEFAULT now(),
  -- The person's display name went with a manifest (never for restricted people).
  name_first_sent_at timestamptz,
  name_last_sent_at timestamptz,
  -- A later manifest sent the person without a name (the device drops it on applying it);
  -- cleared when a name is sent again.
  name_withdrawn_at timestamptz,
  -- A later manifest told the device to remove the person altogether.
  removed_at timestamptz,
  PRIMARY KEY (device, participant)
);
