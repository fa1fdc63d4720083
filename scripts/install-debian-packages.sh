#!/usr/bin/env bash
# Installs the Debian packages the test suite and the demo run against: the real
# notary-server, notary-signer and notary client, the reference Docker registry,
# skopeo, Prometheus (promtool) and Alertmanager, openssl, Chromium, and
# faketime (the unit tests also run with the clock years ahead), and systemd's
# systemd-analyze and systemd-sysusers (the service unit in deploy/systemd is
# verified with them).
# Fails, rather than skipping tests, when any of them cannot be installed.
set -euo pipefail

packages=(notary docker-registry skopeo prometheus prometheus-alertmanager openssl ca-certificates chromium faketime systemd)
binaries=(notary notary-server notary-signer docker-registry skopeo prometheus promtool prometheus-alertmanager amtool openssl chromium faketime systemd-analyze systemd-sysusers)

missing=()
for binary in "${binaries[@]}"; do
  command -v "$binary" >/dev/null 2>&1 || missing+=("$binary")
done

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${packages[@]}"
fi

for binary in "${binaries[@]}"; do
  if ! command -v "$binary" >/dev/null 2>&1; then
    echo "install-debian-packages: $binary is still missing after apt-get install" >&2
    exit 1
  fi
done
echo "install-debian-packages: all test dependencies present"
