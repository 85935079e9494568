#!/bin/sh
# Strong scaling of `mpiexec -n N nnq simulate` on a 3D 256^3 grid (not run by ctest).
# Per-step cost = (wall of a long run - wall of a short run) / (step difference), so that
# start-up, planning and the two snapshots both runs write cancel; one OpenMP thread per rank.
# Schrodinger alone, then with the Madelung solver. Prints a Markdown table; the JSON lines
# (one per run) go to scaling.jsonl in the current directory.
# Usage: scaling.sh NNQ [MPIEXEC] [N ...]       e.g. scaling.sh build/nnq mpiexec 1 2 4 8 16
# Environment: GRID (default "256, 256, 256"), SHORT/LONG steps (default 2 and 10).
set -eu
nnq=$1 mpiexec=${2:-mpiexec}
shift $(($# >= 2 ? 2 : $#))
ranks=${*:-1 2 4}
grid=${GRID:-256, 256, 256} short=${SHORT:-2} long=${LONG:-10}
export OMPI_MCA_rmaps_base_oversubscribe=1 NNQ_WISDOM=
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/s.ini" <<INI
[run]
steps = 2
dt = 1e-3
diag_every = 1000
snapshot_every = 0
planner = estimate
threads = 1
[grid]
n = $grid
qmin = -8
qmax = 8
[potential]
preset = harmonic
[initial]
preset = gaussian
momentum = 0.5, 0, 0
[output]
fields = p
precision = single
INI
wall() { # ranks steps madelung -> seconds
    "$mpiexec" -n "$1" "$nnq" simulate "$dir/s.ini" -o "$dir/o.h5" --force --quiet \
        --set "run.steps = $2" --set "madelung.enabled = $3" | tail -1 | tee -a scaling.jsonl |
        sed 's/.*"wall_s":\([^,]*\).*/\1/'
}
echo "| solver | ranks | s/step | speed-up | efficiency |"
echo "|---|---|---|---|---|"
for mad in false true; do
    t1=""
    for n in $ranks; do
        a=$(wall "$n" "$short" "$mad")
        b=$(wall "$n" "$long" "$mad")
        per=$(echo "$a $b" | awk -v d=$((long - short)) '{printf "%.4g", ($2 - $1) / d}')
        [ -z "$t1" ] && t1=$per
        echo "$t1 $per $n" | awk -v s="$([ $mad = true ] && echo 'Schrödinger + Madelung' || echo Schrödinger)" \
            '{printf "| %s | %d | %.4g | %.2f | %.0f %% |\n", s, $3, $2, $1 / $2, 100 * $1 / ($2 * $3)}'
    done
done
