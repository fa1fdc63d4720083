-- A scan run with `--at` is a forecast: recorded, but it changes no verdict, no
-- history, no pinned root or rollback floor, and is never what `serve` loads.
ALTER TABLE scans ADD COLUMN kind TEXT NOT NULL DEFAULT 'audit' CHECK (kind IN ('audit', 'forecast'));
