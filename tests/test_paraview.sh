#!/bin/sh
# ctest driver: 1D, 2D and 3D runs of nnq opened through their XDMF sidecars in ParaView's own
# Python (pvbatch, Debian's paraview + python3-paraview), headless. Exit 77 (skipped) when
# pvbatch or h5py is not installed. Usage: test_paraview.sh NNQ SOURCE_DIR
set -eu
nnq=$1
src=$2
command -v pvbatch >/dev/null || { echo "skipped: pvbatch not installed (Debian packages paraview, python3-paraview)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export NNQ_WISDOM=
"$nnq" simulate "$src/examples/quickstart.ini" --quiet -o "$dir/one.h5" --set run.t_end=0.5 --set run.snapshot_every=100 >/dev/null
"$nnq" simulate "$src/examples/vortex_2d.ini" --quiet -o "$dir/two.h5" --set run.t_end=0.2 >/dev/null
printf '[run]\nsteps = 20\ndt = 1e-3\nsnapshot_every = 10\n[grid]\nn = 16, 12, 8\nqmin = -4, -3, -2\nqmax = 4, 3, 2\n[potential]\npreset = harmonic\n[initial]\npreset = gaussian\ncenter = 0.5, 0, 0\n' > "$dir/three.ini"
"$nnq" simulate "$dir/three.ini" --quiet -o "$dir/three.h5" >/dev/null
cd "$dir"
pvbatch "$src/tests/test_paraview.py" one.xmf two.xmf three.xmf
