#!/bin/sh
# Installs the Debian packages named as arguments that are missing: with apt-get as root, or
# through sudo when it works without a password; otherwise prints the command and fails.
missing=""
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps: not a Debian system; make sure these (or equivalents) are installed: $*"
  exit 0
fi
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing$missing"
  sh -c "$cmd" || exit 1
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "deps: installing$missing (sudo)"
  sudo sh -c "$cmd" || exit 1
else
  echo "deps: missing Debian packages:$missing"
  echo "deps: run as root:  $cmd"
  exit 1
fi
