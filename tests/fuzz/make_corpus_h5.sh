#!/bin/sh
# Writes fuzz_h5's seeds into tests/fuzz/corpus_h5: a stopped nnq output (a 1D run of 16
# points with a checkpoint, its `completed` reset to 0 so that it resumes), a table with its
# coordinates and a state of p and F (1D), and a loss-landscape surface file in the tool's
# layout with a 2D state beside it. Needs nnq and h5py.
# Usage: sh tests/fuzz/make_corpus_h5.sh NNQ
set -eu
nnq=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
out=$(cd "$(dirname "$0")" && pwd)/corpus_h5
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$out"
cat >"$dir/r.ini" <<'INI'
[run]
steps = 40
dt = 1e-3
diag_every = 10
snapshot_every = 20
checkpoint_every = 20
planner = estimate
[grid]
n = 16
qmin = -4
qmax = 4
[initial]
preset = gaussian
[potential]
preset = harmonic
[madelung]
enabled = false
[output]
fields = psi
INI
(cd "$dir" && "$nnq" simulate r.ini -o output.h5 --force --quiet >/dev/null)
cp "$dir/output.h5" "$out/output.h5"
$py - "$out" <<'PY'
import sys
import h5py
import numpy as np
out = sys.argv[1]
with h5py.File(out + "/output.h5", "r+") as f:
    f.attrs["completed"] = 0
x = np.linspace(-5, 5, 21)
with h5py.File(out + "/table_1d.h5", "w") as f:
    f["x"] = x; f["L"] = 0.5 * x**2
    f["q0"] = x; f["p"] = np.exp(-x**2); f["F"] = 0.1 * x
xs = np.linspace(-1.5, 1.5, 7); ys = np.linspace(-1.5, 1.5, 6)
X, Y = np.meshgrid(xs, ys, indexing="ij")
with h5py.File(out + "/landscape_2d.h5", "w") as f:
    f["xcoordinates"] = xs; f["ycoordinates"] = ys
    f["train_loss"] = (X**2 + Y**2).T.reshape(7, 6)  # the tool's buffer: y-major
    f["dir_file"] = "model.h5"
    f["q0"] = xs; f["q1"] = ys; f["p"] = np.exp(-X**2 - Y**2); f["F"] = X * Y
PY
