-- Contract v1.2: cosign and Notation beside DCT. Each tag keeps its systems'
-- entries (JSON, as the report shows them) and its coverage; the history
-- records when a tag gained or lost a system; what was verified per digest
-- is kept with the key of what led to it, so an unchanged rescan reuses it.
ALTER TABLE tags ADD COLUMN signatures_json TEXT;
ALTER TABLE tags ADD COLUMN coverage TEXT CHECK (coverage IS NULL OR coverage IN
  ('none', 'dct_only', 'cosign_only', 'notation_only', 'dct_cosign', 'dct_notation', 'cosign_notation', 'all'));

-- SQLite cannot alter a CHECK constraint, so the history is rebuilt with its rows.
CREATE TABLE tag_history_v5 (
  id           INTEGER PRIMARY KEY,
  repository   TEXT NOT NULL,
  image        TEXT NOT NULL,
  tag          TEXT NOT NULL,
  scan_id      INTEGER NOT NULL REFERENCES scans (id),
  at           TEXT NOT NULL,
  event        TEXT NOT NULL CHECK (event IN ('new', 'status', 'repushed', 'deleted', 'role', 'coverage')),
  status       TEXT,
  digest       TEXT,
  reason_code  TEXT,
  role         TEXT,
  -- the coverage after the change, and the systems gained (+) and lost (-), e.g. '+cosign -dct'
  coverage     TEXT,
  systems      TEXT
);

INSERT INTO tag_history_v5 (id, repository, image, tag, scan_id, at, event, status, digest, reason_code, role)
  SELECT id, repository, image, tag, scan_id, at, event, status, digest, reason_code, role FROM tag_history;

DROP TABLE tag_history;
ALTER TABLE tag_history_v5 RENAME TO tag_history;
CREATE INDEX tag_history_by_tag ON tag_history (repository, image, tag, id);

CREATE TABLE signature_evidence (
  repository   TEXT NOT NULL,
  image        TEXT NOT NULL,
  digest       TEXT NOT NULL,
  -- the policy's fingerprint and the digests of the .sig manifest and the referrers index
  source       TEXT NOT NULL,
  entries_json TEXT NOT NULL,
  valid_until  TEXT,
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (repository, image, digest)
) WITHOUT ROWID;
