-- SPDX-License-Identifier: GPL-3.0-or-later
-- Photos (sync/PROTOCOL.md section 11). A device may send a blob only when HQ holds a stored
-- photo.taken event of its team naming it; this index answers that question without reading
-- every event. The blobs themselves and their partial uploads live in the blob folder, not
-- here: the partial file's size is its offset (see hq/mend-hq-blobs.c).

CREATE INDEX events_photo_sha256 ON events ((payload ->> 'sha256'))
  WHERE kind = 'photo.taken' AND status = 'stored';
