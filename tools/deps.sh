#!/bin/sh
# Installs the Debian 12 packages nnq needs to build and test, when any is missing.
# Runs apt-get as root, or through sudo for other users. Extra package names may be passed;
# --test adds the clients the test suite runs nnq's files through (ParaView, h5py, matplotlib,
# gnuplot, valgrind, groff), so that none of those tests skips.
set -eu
extra=""
for a in "$@"; do
    case "$a" in
    --test) extra="$extra paraview python3-paraview python3-h5py python3-matplotlib gnuplot-nox valgrind groff-base" ;;
    *) extra="$extra $a" ;;
    esac
done
# file: cpack -G DEB (the README's Install) runs dpkg-shlibdeps, which needs it.
pkgs="build-essential cmake pkg-config file libfftw3-dev libhdf5-dev hdf5-tools libinih-dev libmatheval-dev liblapacke-dev libblas-dev$extra"
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
