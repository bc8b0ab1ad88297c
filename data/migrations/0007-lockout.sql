-- PIN lockout (data/README.md, "PIN lockout"): every wrong PIN typed on the Unlock page, with
-- its time, so the wait that grows with failures survives a restart or a pulled battery, and
-- the failures stay on record for HQ. A right PIN ends the run of failures: its rows are marked
-- cleared, not deleted.

CREATE TABLE pin_failures (
  id INTEGER PRIMARY KEY,
  failed_at INTEGER NOT NULL,       -- UTC ms
  supervisor_id TEXT,               -- whose name was chosen; no reference, as HQ may remove it
  cleared_at INTEGER                -- UTC ms of the right PIN that ended the run; NULL until then
) STRICT;

-- The current run: the failures not yet cleared.
CREATE INDEX pin_failures_open ON pin_failures (failed_at) WHERE cleared_at IS NULL;
