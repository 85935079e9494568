#!/bin/sh
# What the classical description costs (not part of ctest): nnq simulate, 2D N x N, 1 thread,
# the stepping rate (steps / (wall_s - plan_s) of the JSON summary) of psi alone and of psi
# with the Fokker-Planck description beside it ([classical] enabled), and the cost of a
# Fokker-Planck step in Schrodinger steps, rate_S / rate_SC - 1. Three cases: the harmonic trap
# at the default D = hbar / 2m (one sub-step), the same with D = 2 (diffusive bound: more
# sub-steps), and the double well at T = 0.1 (drift-bound sub-steps); a V(t) (coefficients
# made every step) last. Each figure is the best of REPS runs.
# Usage: classical.sh NNQ [N] [REPS]     (e.g. build/nnq 512 3)
set -eu
nnq=$1 n=${2:-512} reps=${3:-3}
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export NNQ_WISDOM="$dir/wisdom"
cat >"$dir/c.ini" <<'INI'
[run]
dt = 1e-3
steps = 300
diag_every = 300
snapshot_every = 0
threads = 1
[grid]
qmin = -8
qmax = 8
[potential]
V = 0.5*(x^2+y^2)
[initial]
preset = gaussian
center = 1, 0
width = 0.5
[madelung]
enabled = false
INI
rate() { # --set arguments: the best steps/s of REPS runs, and the sub-steps
    i=0
    while [ $i -lt "$reps" ]; do
        "$nnq" simulate "$dir/c.ini" --force --quiet -o "$dir/c.h5" --set "grid.n=$n,$n" "$@" |
            $py -c 'import json, sys; d = json.load(sys.stdin); print(d["steps"] / (d["wall_s"] - d["plan_s"]))'
        i=$((i + 1))
    done | sort -g | tail -1
}
substeps() {
    $py -c 'import h5py, sys; print(int(h5py.File(sys.argv[1])["diagnostics/classical_substeps"][-1]))' "$dir/c.h5" 2>/dev/null || echo "?"
}
printf '| case | sub-steps | psi alone, steps/s | with Fokker-Planck, steps/s | FP step / Schrodinger step |\n|---|---|---|---|---|\n'
bench() { # label, --set arguments
    label=$1
    shift
    s=$(rate "$@" --set classical.enabled=false)
    c=$(rate "$@" --set classical.enabled=true)
    $py -c 'import sys; l, k, s, c = sys.argv[1:]; s, c = float(s), float(c); print(f"| {l} | {k} | {s:.1f} | {c:.1f} | {s / c - 1:.2f} |")' \
        "$label" "$(substeps)" "$s" "$c"
}
bench "harmonic, D = 0.5" --set classical.diffusion=0.5
bench "harmonic, D = 2" --set classical.diffusion=2
bench "double well (x^2-1)^2 + y^2, T = 0.1" --set "potential.V=(x^2-1)^2+y^2" --set classical.diffusion=0.1
bench "moving trap (x - sin t)^2/2 + y^2/2, D = 0.5" --set "potential.V=0.5*(x-sin(t))^2+0.5*y^2" --set classical.diffusion=0.5
