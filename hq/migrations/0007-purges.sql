-- SPDX-License-Identifier: GPL-3.0-or-later
-- What each device reports it has purged (sync/PROTOCOL.md section 14; hq/README.md, "Breach
-- report"): one row per event of the device's chain that the device says it no longer holds
-- the personal fields of, with the device's time of the purge and when HQ heard of it. Only
-- events HQ holds can be reported, so a report never invents a record. A seq reported twice
-- keeps its first report: a purge is not undone.

CREATE TABLE device_purges (
  device text NOT NULL,
  seq bigint NOT NULL,
  purged_at timestamptz NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device, seq),
  FOREIGN KEY (device, seq) REFERENCES events (device, seq)
);
