#!/usr/bin/env bash
# Install what start.sh needs on a fresh Debian 12 or Ubuntu 24.04: Prosody, the prosody-modules
# snapshot with mod_sasl2/mod_sasl2_bind2/mod_sasl2_fast, lua-unbound (Prosody's DNS library) and
# openssl (the self-signed certificate). Installs only the packages that are missing; uses sudo when
# not run as root.
set -euo pipefail

packages=(prosody prosody-modules lua-unbound openssl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
prosody_was_installed=0
command -v prosody >/dev/null && prosody_was_installed=1

"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null

# Where systemd runs (GitHub's runners), installing the package also starts a system-wide Prosody on
# ports 5222/5269/5280, which start.sh needs. Stop it, but only if this script just installed it.
if [ "$prosody_was_installed" = 0 ] && command -v systemctl >/dev/null &&
  systemctl is-active --quiet prosody 2>/dev/null; then
  "${as_root[@]}" systemctl stop prosody
  "${as_root[@]}" systemctl disable --quiet prosody
fi
