#!/usr/bin/env bash
# Writes a copy of trust-auditor's alert rules whose runbook_url annotations
# point at your copy of docs/runbooks.md instead of the shipped placeholder.
#
#   scripts/set-runbook-base-url.sh URL [RULE_FILE] > your-rules.yml
#
# URL is where docs/runbooks.md is published, without a #fragment (each alert
# appends #<its name in lower case>, the heading's anchor). RULE_FILE defaults
# to deploy/prometheus/alerts.yml; deploy/kubernetes/prometheusrule.yaml works
# the same. The rules go to stdout; nothing is changed in place.
set -euo pipefail

# The base the shipped rules carry: a reserved name (RFC 2606) that never
# resolves, so an unedited rule cannot send on-call to someone else's page.
readonly PLACEHOLDER='https://trust-auditor.invalid/docs/runbooks.md'

usage() {
  echo "usage: $0 URL [RULE_FILE]   (URL: http(s) address of your docs/runbooks.md, no #fragment)" >&2
  exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || usage
url=$1
file=${2:-"$(dirname "$0")/../deploy/prometheus/alerts.yml"}

# What may stand inside the rules' single-quoted YAML strings and a sed
# replacement unescaped: no quote, backslash, space, '#' or '|'.
if [[ ! $url =~ ^https?://[A-Za-z0-9._~:/?@!\$\&\(\)*+,\;=%-]+$ ]]; then
  echo "$0: $url is not an http(s) URL without a #fragment, quotes or spaces" >&2
  exit 2
fi
[[ -r $file ]] || {
  echo "$0: cannot read $file" >&2
  exit 2
}
if ! grep -q "runbook_url: '${PLACEHOLDER}#" "$file"; then
  echo "$0: $file has no runbook_url with the placeholder base ${PLACEHOLDER} (already rewritten?)" >&2
  exit 1
fi

# In a sed replacement '&' means the match: escape it.
replacement=${url//&/\\&}
sed "s|runbook_url: '${PLACEHOLDER}#|runbook_url: '${replacement}#|" "$file"
