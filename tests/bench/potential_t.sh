#!/bin/sh
# What a V that depends on t costs (not part of ctest): nnq simulate, 2D, Schrodinger only,
# 1 thread, the stepping rate (steps / (wall_s - plan_s) of the JSON summary: after planning,
# so that older versions compare) with a static V and with
# five V(t): one that separates into terms f(t) G(q) as written, the moving trap as written
# (nnq multiplies it out), the moving trap expanded by hand, a moving gaussian dip and a
# moving tanh step (no such terms: compiled, evaluated a block of points at a time), and each
# rate over the static one. Each figure is the best of REPS runs.
# Usage: potential_t.sh NNQ [REPS]     (e.g. build/nnq 3)
set -eu
nnq=$1 reps=${2:-3}
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export NNQ_WISDOM="$dir/wisdom"
rate() { # grid n, V: the best steps/s of REPS runs
    i=0
    while [ $i -lt "$reps" ]; do
        "$nnq" simulate "$dir/v.ini" --force --quiet -o "$dir/v.h5" --set "grid.n=$1,$1" \
            --set "potential.V=$2" |
            $py -c 'import json, sys; d = json.load(sys.stdin); print(d["steps"] / (d["wall_s"] - d["plan_s"]))'
        i=$((i + 1))
    done | sort -g | tail -1
}
cat >"$dir/v.ini" <<'INI'
[run]
dt = 1e-3
steps = 600
diag_every = 600
snapshot_every = 0
threads = 1
[grid]
n = 256, 256
qmin = -8
qmax = 8
[potential]
V = 0.5*(x^2+y^2)
[initial]
preset = gaussian
center = 1, 0
[madelung]
enabled = false
[output]
file = v.h5
fields = p
INI
printf '%-6s %-50s %10s %8s\n' grid V steps/s "/static"
for n in 256 512; do
    static=$(rate $n "0.5*(x^2+y^2)")
    printf '%-6s %-50s %10.1f %8.3f\n' "$n^2" "0.5*(x^2+y^2)" "$static" 1
    for v in "0.5*(x^2+y^2)*(1+0.1*sin(t))" "0.5*((x-0.3*sin(t))^2+y^2)" \
        "0.5*x^2-0.3*sin(t)*x+0.045*sin(t)^2+0.5*y^2" "0.5*(x^2+y^2)-exp(-(x-sin(t))^2-y^2)" \
        "0.5*(x^2+y^2)+0.3*tanh(y-cos(t))*sqrt(1+x^2)"; do
        r=$(rate $n "$v")
        printf '%-6s %-50s %10.1f %8.3f\n' "$n^2" "$v" "$r" "$(echo "$r / $static" | bc -l)"
    done
done
