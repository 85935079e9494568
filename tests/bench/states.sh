#!/bin/sh
# What finding the eigenstates costs (not part of ctest): nnq simulate, 2D N x N, 1 thread, a
# rugged double well, 2*(x^2-1)^2 + 0.5*y^2 + 0.3*sin(3*x)*cos(2*y) on [-4, 4]^2 (hbar = 1),
# [run] states = K: the seconds before the first step (states_s of the JSON summary), the
# imaginary-time steps and LOBPCG iterations, and the same time in Schrodinger steps (strang) of
# that grid. Each figure is the best of REPS runs.
# Usage: states.sh NNQ [N...] (e.g. build/nnq 128 256 512; REPS from the environment, 1)
set -eu
nnq=$1
shift
sizes=${*:-128 256 512}
reps=${REPS:-1}
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export NNQ_WISDOM="$dir/wisdom"
cat >"$dir/s.ini" <<'INI'
[run]
dt = 1e-3
steps = 200
diag_every = 200
snapshot_every = 0
threads = 1
[grid]
qmin = -4
qmax = 4
[potential]
V = 2*(x^2-1)^2 + 0.5*y^2 + 0.3*sin(3*x)*cos(2*y)
[initial]
preset = gaussian
center = -1, 0
width = 0.5
[madelung]
enabled = false
INI
best() { # --set arguments: the best JSON line of REPS runs by key $KEY
    i=0
    while [ $i -lt "$reps" ]; do
        "$nnq" simulate "$dir/s.ini" --force --quiet -o "$dir/s.h5" "$@"
        i=$((i + 1))
    done | $py -c 'import json, sys, os
rows = [json.loads(l) for l in sys.stdin]
key = os.environ["KEY"]
print(json.dumps(min(rows, key=lambda d: d[key]) if key == "states_s" else max(rows, key=lambda d: d[key])))'
}
printf '| grid | states | seconds | imaginary-time steps | iterations | in Schrodinger steps |\n|---|---|---|---|---|---|\n'
for n in $sizes; do
    rate=$(KEY=steps_per_s best --set "grid.n=$n,$n" | $py -c 'import json, sys; print(json.load(sys.stdin)["steps_per_s"])')
    for k in 2 4 8; do
        KEY=states_s best --set "grid.n=$n,$n" --set run.states=$k --set run.steps=1 |
            $py -c 'import json, sys
d = json.load(sys.stdin); s = d["states"]; r = float(sys.argv[3])
print("| %s^2 | %s | %.2f | %d | %d | %.0f |" % (sys.argv[1], sys.argv[2], d["states_s"], s["imaginary_time_steps"], s["iterations"], d["states_s"] * r))' "$n" "$k" "$rate"
    done
done
