-- Retention (data/README.md, "Retention"): once HQ holds an event and every photo it names,
-- and the configured days have passed, the event's personal fields and the photo's file are
-- removed. The rows stay as tombstones, marked here, so nothing is sent twice, the hash chain
-- can still be walked (a purged event is taken by its stored hash), and neither a manifest nor
-- a rebuild of the projections brings anything back.

ALTER TABLE events ADD COLUMN purged_at INTEGER;   -- UTC ms; NULL while the event is whole
ALTER TABLE photos ADD COLUMN purged_at INTEGER;   -- UTC ms; NULL while the file is kept
