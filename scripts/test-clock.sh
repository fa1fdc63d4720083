#!/usr/bin/env bash
# Runs the unit tests with the clock far ahead (libfaketime), to prove that no
# test mixes a fixed date with material made at the real time (certificates,
# signatures). Only tests that start no Go program can run here: Go binaries
# (notary-server, the notary client, prometheus) read the clock without libc
# and ignore libfaketime.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null 2>&1 || { echo "test-clock: faketime is missing (scripts/install-debian-packages.sh installs it)" >&2; exit 1; }
for offset in '+400 days' '+4000 days'; do
  echo "test-clock: unit tests at $offset ($(faketime "$offset" date -u +%Y-%m-%dT%H:%M:%SZ))"
  faketime "$offset" node --test --test-concurrency=2 --test-reporter=dot $(./scripts/test-files.sh dist/test/unit)
done
