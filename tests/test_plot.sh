#!/bin/sh
# ctest driver: examples/plot.py draws 1D, 2D and 3D files (both solvers; trajectories over p
# in 1D and 2D; the basins' shares of the densities and walkers in 2D; the loss-landscape example, its file made by its script; nnq converge's files
# as one figure; a sweep over mu by examples/sweep_mu.sh, drawn as its figure) and the PNGs are
# not blank (pixel statistics); examples/diagnostics.gp renders `nnq info --csv` with gnuplot.
# Exit 77 (skipped) when Debian's python3-h5py/python3-matplotlib or gnuplot are missing.
# Usage: test_plot.sh NNQ SOURCE_DIR
set -eu
nnq=$1
src=$2
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3 # Debian's, where its h5py and matplotlib are
$py -c 'import h5py, matplotlib' 2>/dev/null || { echo "skipped: python3-h5py or python3-matplotlib not installed"; exit 77; }
command -v gnuplot >/dev/null || { echo "skipped: gnuplot not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export NNQ_WISDOM=
cd "$dir"
"$nnq" simulate "$src/examples/nodes_1d.ini" --quiet -o one.h5 --set run.t_end=2.5 \
    --set trajectories.count=30 --set trajectories.kinds=bohm,madelung >/dev/null
"$nnq" simulate "$src/examples/vortex_2d.ini" --quiet -o two.h5 --set run.t_end=0.2 \
    --set trajectories.count=30 --set trajectories.kinds=bohm,nelson,langevin \
    --set classical.enabled=true --set basins.enabled=true >/dev/null
printf '[run]\nsteps = 20\ndt = 1e-3\nsnapshot_every = 10\n[grid]\nn = 16, 12, 8\nqmin = -4, -3, -2\nqmax = 4, 3, 2\n[potential]\npreset = harmonic\n[initial]\npreset = gaussian\ncenter = 0.5, 0, 0\n' > three.ini
"$nnq" simulate three.ini --quiet -o three.h5 >/dev/null
# the loss-landscape example: the file from its script, the run on it (shortened)
$py "$src/examples/landscape/make_landscape.py" >/dev/null
"$nnq" simulate "$src/examples/landscape/landscape.ini" --quiet -o four.h5 \
    --set run.t_end=0.1 --set run.snapshot_every=25 >/dev/null
for f in one two three four; do $py "$src/examples/plot.py" $f.h5 --out figs; done > made.txt
# a resolution study of the colliding packets, drawn as one figure
"$nnq" converge "$src/examples/nodes_1d.ini" --quiet -o conv.h5 --set grid.n=256 \
    --set run.t_end=2 >/dev/null
$py "$src/examples/plot.py" --converge conv_n256.h5 conv_n512.h5 --out figs >> made.txt
# a sweep over mu of colliding packets (shortened), the figure from its JSON lines
printf '[run]\nname = sw\ndt = 2e-3\nt_end = 1\ndiag_every = 50\nsnapshot_every = 0\nplanner = estimate\n[grid]\nn = 128\nqmin = -10\nqmax = 10\n[potential]\npreset = harmonic\n[initial]\npreset = superposition\ncenter = -2, 2\nwidth = 0.7\nmomentum = 1.5, -1.5\n' > sw.ini
NNQ="$nnq" OUT=sweep JOBS=2 sh "$src/examples/sweep_mu.sh" sw.ini 0.25 0.5 1 2 | tail -n 1 >> made.txt
"$nnq" info one.h5 --csv > diag.csv
gnuplot -e "csv='diag.csv'; out='figs/gnuplot.png'" "$src/examples/diagnostics.gp"
echo figs/gnuplot.png >> made.txt
$py - made.txt <<'PY'
import sys
import matplotlib.image as mpimg
import numpy as np
names = open(sys.argv[1]).read().split()
want = {"one_snapshot000.png", "one_divergence.png", "two_snapshot001.png", "three_snapshot002.png",
        "one_trajectories.png", "two_trajectories.png", "four_trajectories.png", "four_snapshot002.png",
        "two_observables.png", "two_basins.png", "conv_converge.png", "results_sweep_mu.png",
        "three_divergence.png", "gnuplot.png"}
missing = want - {n.split("/")[-1] for n in names}
bad = 0
for n in names:
    img = mpimg.imread(n)[..., :3]
    ink = float((img.std(axis=2) + np.abs(img - 1).mean(axis=2) > 0.05).mean())
    ok = img.std() > 0.05 and ink > 0.02
    print("%s %s: %dx%d, std %.3f, %.1f%% non-white" % ("ok" if ok else "BLANK", n, img.shape[1], img.shape[0], img.std(), 100 * ink))
    bad += not ok
print("missing:", sorted(missing) if missing else "none")
sys.exit(1 if bad or missing else 0)
PY
