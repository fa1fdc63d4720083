-- trust-auditor schema 1: scans, the latest verdict per tag with its history of
-- changes, what was trusted per GUN (rollback floors and TOFU-pinned roots).
-- Times are RFC 3339 UTC strings; statuses and codes come from closed sets.

CREATE TABLE scans (
  id              INTEGER PRIMARY KEY,
  started_at      TEXT NOT NULL,
  finished_at     TEXT,
  evaluated_at    TEXT NOT NULL,
  -- 'running' until the scan ends; one left 'running' was interrupted.
  outcome         TEXT NOT NULL CHECK (outcome IN ('running', 'complete', 'partial', 'failed', 'interrupted')),
  summary_json    TEXT,
  error           TEXT,
  nexus_requests  INTEGER NOT NULL DEFAULT 0,
  notary_requests INTEGER NOT NULL DEFAULT 0
);

-- The latest verdict of every tag still present in Nexus.
CREATE TABLE tags (
  repository     TEXT NOT NULL,
  image          TEXT NOT NULL,
  tag            TEXT NOT NULL,
  gun            TEXT NOT NULL,
  digest         TEXT,
  size           INTEGER,
  status         TEXT NOT NULL CHECK (status IN ('signed', 'unsigned', 'digest_mismatch', 'expired', 'invalid', 'error')),
  role           TEXT,
  reason_code    TEXT,
  reason         TEXT,
  signed_digest  TEXT,
  trust_expires  TEXT,
  first_seen_at  TEXT NOT NULL,
  last_seen_at   TEXT NOT NULL,
  -- when the tag entered its current status (e.g. first became unsigned)
  status_since   TEXT NOT NULL,
  -- when the served digest last changed (a re-push)
  digest_since   TEXT NOT NULL,
  last_scan_id   INTEGER NOT NULL REFERENCES scans (id),
  PRIMARY KEY (repository, image, tag)
) WITHOUT ROWID;

CREATE INDEX tags_by_status ON tags (status, repository);

-- One row per change of a tag: first seen, status change, re-push, deletion.
CREATE TABLE tag_history (
  id           INTEGER PRIMARY KEY,
  repository   TEXT NOT NULL,
  image        TEXT NOT NULL,
  tag          TEXT NOT NULL,
  scan_id      INTEGER NOT NULL REFERENCES scans (id),
  at           TEXT NOT NULL,
  event        TEXT NOT NULL CHECK (event IN ('new', 'status', 'repushed', 'deleted')),
  status       TEXT,
  digest       TEXT,
  reason_code  TEXT
);

CREATE INDEX tag_history_by_tag ON tag_history (repository, image, tag, id);

-- Per GUN and role: the highest version verified and the sha256 of its bytes,
-- the floor for rollback detection (TUF 5.3/5.4; notary tryLoadRemote).
CREATE TABLE role_versions (
  gun         TEXT NOT NULL,
  role        TEXT NOT NULL,
  version     INTEGER NOT NULL,
  sha256      TEXT NOT NULL,
  expires     TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (gun, role)
) WITHOUT ROWID;

-- Trust on first use: the root trusted for each GUN; a later root must be signed by it.
CREATE TABLE pinned_roots (
  gun        TEXT PRIMARY KEY,
  root       BLOB NOT NULL,
  version    INTEGER NOT NULL,
  sha256     TEXT NOT NULL,
  pinned_at  TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- Per GUN and role, the versions and expiries the last scan saw (report `trust`, expiry metric).
CREATE TABLE trust_roles (
  gun      TEXT NOT NULL,
  role     TEXT NOT NULL,
  version  INTEGER NOT NULL,
  expires  TEXT NOT NULL,
  scan_id  INTEGER NOT NULL REFERENCES scans (id),
  PRIMARY KEY (gun, role)
) WITHOUT ROWID;
