#!/bin/sh
# ctest driver for test_h5py.py with Debian's Python (exit 77: skipped without h5py).
# Usage: test_h5py.sh NNQ SOURCE_DIR
set -eu
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
NNQ_WISDOM= "$1" simulate "$2/examples/vortex_2d.ini" --quiet -o "$dir/two.h5" --set run.t_end=0.2 >/dev/null
$py "$2/tests/test_h5py.py" "$dir/two.h5"
