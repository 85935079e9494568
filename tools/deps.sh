#!/bin/sh
# Installs the Debian 12 packages nnq needs to build and test, when any is missing.
# Runs apt-get as root, or through sudo for other users. Extra package names may be passed.
set -eu
pkgs="build-essential cmake pkg-config libfftw3-dev libhdf5-dev hdf5-tools libinih-dev libmatheval-dev $*"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "nnq: installing$missing" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
