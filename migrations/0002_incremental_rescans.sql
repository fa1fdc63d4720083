-- Incremental rescans: per GUN, the timestamp.json a verdict summary was
-- computed from, and the bytes of the other roles by hash, so that an
-- unchanged timestamp costs one request and a changed one only fetches the
-- roles whose hashes changed (docs/notary-behaviour.md §5 "Efficient polling").

CREATE TABLE gun_state (
  gun               TEXT PRIMARY KEY,
  timestamp_sha256  TEXT NOT NULL,
  summary_json      TEXT NOT NULL,
  checked_at        TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE role_files (
  gun     TEXT NOT NULL,
  role    TEXT NOT NULL,
  sha256  TEXT NOT NULL,
  bytes   BLOB NOT NULL,
  PRIMARY KEY (gun, role)
) WITHOUT ROWID;

-- What decides whether a verdict changed (ScanStore verdictFingerprint): a
-- rescan compares it and writes nothing for an unchanged tag.
ALTER TABLE tags ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
