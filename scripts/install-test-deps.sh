#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: redis-server (shared-session
# tests), chromium (the demo's browser test) and fonts-liberation. Skips what is already there.
#
# --no-install-recommends: chromium's recommendations (upower, udev, mesa, notification
# daemons, printer tools, ...) are for a desktop, not for a headless test run, and pulled in
# over a hundred packages, perl upgrades among them. The one recommendation a headless
# chromium does want is a set of ordinary fonts, or pages render with whatever fontconfig
# falls back to and screenshots are hard to read: fonts-liberation (metric-compatible with
# Arial, Times and Courier) is asked for by name instead.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-liberation 2>/dev/null | grep -q 'install ok installed' || missing+=(fonts-liberation)
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies present: redis-server, chromium, fonts-liberation"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing ${missing[*]} with apt-get (without recommended packages)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
