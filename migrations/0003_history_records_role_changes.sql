-- Tag history also records a change of the role a tag is honoured from
-- (targets/releases -> targets, say): a delegation that was seen before and is
-- gone now is a finding the history keeps, not a silent change. SQLite cannot
-- alter a CHECK constraint, so the table is rebuilt with its rows.
CREATE TABLE tag_history_v3 (
  id           INTEGER PRIMARY KEY,
  repository   TEXT NOT NULL,
  image        TEXT NOT NULL,
  tag          TEXT NOT NULL,
  scan_id      INTEGER NOT NULL REFERENCES scans (id),
  at           TEXT NOT NULL,
  event        TEXT NOT NULL CHECK (event IN ('new', 'status', 'repushed', 'deleted', 'role')),
  status       TEXT,
  digest       TEXT,
  reason_code  TEXT,
  role         TEXT
);

INSERT INTO tag_history_v3 (id, repository, image, tag, scan_id, at, event, status, digest, reason_code)
  SELECT id, repository, image, tag, scan_id, at, event, status, digest, reason_code FROM tag_history;

DROP TABLE tag_history;
ALTER TABLE tag_history_v3 RENAME TO tag_history;
CREATE INDEX tag_history_by_tag ON tag_history (repository, image, tag, id);
