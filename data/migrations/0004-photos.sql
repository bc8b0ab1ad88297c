-- Photo files kept beside the store, named by their content: photos/<aa>/<sha256>.jpg, where
-- <aa> is the first two hex digits. A row is added in the same transaction as the first
-- photo.taken event that names it, and only once its file is complete on disk, so a row
-- always has its file. The same image taken twice is one row, one file and two events.

CREATE TABLE photos (
  sha256 TEXT PRIMARY KEY            -- lowercase hex of the file's SHA-256; also its name
    CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  bytes INTEGER NOT NULL CHECK (bytes > 0),
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  stored_at INTEGER NOT NULL,        -- UTC ms, when the first event naming it was recorded
  -- For resumable upload to HQ (sync, later): how many bytes HQ has confirmed so far, so an
  -- interrupted upload continues from there, and whether HQ has the whole file.
  uploaded_offset INTEGER NOT NULL DEFAULT 0 CHECK (uploaded_offset >= 0),
  uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded IN (0, 1))
) STRICT, WITHOUT ROWID;
