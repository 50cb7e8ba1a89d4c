#!/usr/bin/env bash
# Installs the Debian packages in scripts/packages.txt (plus any given as arguments) that are
# not installed yet. Runs `apt-get update` first, and only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted=$(grep -v '^\s*#' scripts/packages.txt | grep -v '^\s*$')
wanted="$wanted $*"
missing=()
for pkg in $wanted; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
