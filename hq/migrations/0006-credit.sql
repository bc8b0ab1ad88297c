-- SPDX-License-Identifier: GPL-3.0-or-later
-- The hours a device is told another device credited (sync/PROTOCOL.md section 12,
-- minutes_credited): each stored event records the transaction that stored it, as the reference
-- tables record changed_xid (0002), so a manifest delta re-sends every person whom another
-- device's check-out, absence or void has reached HQ for since the device's cursor. A cursor is
-- the xmin of the snapshot its manifest was read in, so "stored_xid >= cursor" is exactly what
-- that manifest may not have seen, whatever order the batches committed in.
--
-- Events stored before this migration take the migration's own transaction: a device's next
-- delta sends the people they name once more, which is harmless (an upsert).

ALTER TABLE events ADD COLUMN stored_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_by_stored_xid ON events (stored_xid);

-- Every manifest now folds its team's events (hq/mend-hq-credit.c), and the fold leaves out
-- events a stored void names: found by this index rather than by reading every event.
CREATE INDEX events_void_target ON events ((payload ->> 'target'))
  WHERE kind = 'event.voided' AND status = 'stored';
