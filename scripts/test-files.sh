#!/usr/bin/env bash
# Lists the test files (*.test.js) under the given folders, sorted, for
# `node --test`: Node 20 takes folders (and then also runs every module under
# a `test` folder), Node 22 takes only files and globs; a list of the test
# files means the same on both, so the suite runs alike on the image's Node.
set -euo pipefail
find "$@" -type f -name '*.test.js' | LC_ALL=C sort
