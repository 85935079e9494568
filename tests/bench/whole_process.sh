#!/bin/sh
# Whole processes, side by side in one run (not part of ctest): what a user's run costs from
# exec to exit, start-up and output included.
#  1. 2D 512^2, 1000 Strang steps, 1 thread: nnq simulate against bench_bare (the bare FFTW
#     split-step loop as a program: same problem, same planner, wisdom kept by both), run
#     alternately, REPS pairs: the VM's speed drifts over seconds, so each pair's ratio is
#     taken and their median reported;
#  2. 1D 4096, a coherent state in V = q^2/2 to t = 20, at equal accuracy (max density error
#     against the exact density ~1.2e-8): nnq order4 at dt = 1e-2, bm4 at 0.08, bm6 at 0.4
#     (diagnostics rows every t ~ 1 for each),
#     against XMDS2's RK4IP (algorithm RK4 with an interaction-picture kinetic operator) with
#     the step count that gives the same error; XMDS2 skipped where it is not installed
#     (Debian: apt-get install xmds2);
#  3. a sweep of 50 runs of a short 256^2 config through examples/sweep_mu.sh (JOBS=1): the
#     share of the sweep's time outside the stepping loops (the runs' step_s).
# Other timings are the median of REPS runs after one warm-up run (which writes the wisdom).
# Usage: whole_process.sh BUILD_DIR [REPS]    (e.g. build 5); NNQ=PATH measures another nnq
# (an older version, say) against this build's bench_bare, SWEEP=PATH another sweep_mu.sh
set -eu
build=$1 reps=${2:-5}
nnq=${NNQ:-$build/nnq} bare=$build/bench_bare
src=$(cd "$(dirname "$0")/../.." && pwd)
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export NNQ_WISDOM="$dir/nnq-wisdom" OMP_NUM_THREADS=1

now() { date +%s.%N; }
# seconds a command takes
once() {
    t0=$(now)
    "$@" >/dev/null
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}
# the median of column $1 of standard input
median() { sort -g -k"$1,$1" | awk -v c="$1" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
# median wall time of REPS runs of a command (after one warm-up run)
timed() {
    "$@" >/dev/null
    i=0
    while [ $i -lt "$reps" ]; do
        once "$@"
        i=$((i + 1))
    done | median 1
}

cat >"$dir/p512.ini" <<'INI'
[run]
dt = 1e-3
steps = 1000
diag_every = 100
snapshot_every = 0
threads = 1
[grid]
n = 512, 512
qmin = -10
qmax = 10
[potential]
preset = harmonic
[initial]
preset = gaussian
center = 1, 0
[madelung]
enabled = false
[output]
file = p512.h5
fields = p
INI
echo "1. 2D 512^2, 1000 Strang steps, 1 thread, whole process ($reps pairs, run alternately):"
"$bare" 2 512 1000 1e-3 1 "$dir/bare-wisdom" >/dev/null # warm-up runs: the wisdom
"$nnq" simulate "$dir/p512.ini" --force --quiet -o "$dir/p512.h5" >/dev/null
i=0
while [ $i -lt "$reps" ]; do
    tb=$(once "$bare" 2 512 1000 1e-3 1 "$dir/bare-wisdom")
    tn=$(once "$nnq" simulate "$dir/p512.ini" --force --quiet -o "$dir/p512.h5")
    echo "$tb $tn $(echo "$tb / $tn" | bc -l)"
    i=$((i + 1))
done >"$dir/pairs"
printf '   bare FFTW loop %.3f s, nnq %.3f s (medians); per pair nnq at %s of the bare loop'"'"'s speed, median %.3f\n' \
    "$(median 1 <"$dir/pairs")" "$(median 2 <"$dir/pairs")" \
    "$(awk '{ printf "%s%.3f", (NR > 1 ? ", " : ""), $3 }' "$dir/pairs")" "$(median 3 <"$dir/pairs")"

echo "2. 1D 4096, coherent state to t = 20, equal accuracy, whole process (median of $reps):"
cat >"$dir/ho.ini" <<'INI'
[run]
dt = 1e-2
t_end = 20
snapshot_every = 0
threads = 1
[grid]
n = 4096
qmin = -20
qmax = 20
[potential]
preset = harmonic
[initial]
preset = gaussian
center = 2
width = 0.7071067811865476
[madelung]
enabled = false
[output]
file = ho.h5
fields = p
INI
# max |p - p_exact| at t = 20 in FILE, its q in dataset X, its last density in dataset P
err() {
    $py -c "
import h5py, numpy as np
f = h5py.File('$1', 'r'); x = f['$2'][:]; p = f['$3'][...].reshape(-1, x.size)[-1]
print('%.3g' % abs(p - np.exp(-(x - 2 * np.cos(20.0))**2) / np.sqrt(np.pi)).max())"
}
# integrator, dt, diag_every (a diagnostics row every t ~ 1 for all three)
for case in "order4 1e-2 100" "bm4 0.08 12" "bm6 0.4 2"; do
    set -- $case
    t=$(timed "$nnq" simulate "$dir/ho.ini" --force --quiet -o "$dir/ho_$1.h5" \
        --set run.integrator=$1 --set run.dt=$2 --set run.diag_every=$3)
    printf '   nnq %s, dt = %s: %.3f s, max density error %s\n' "$1" "$2" "$t" \
        "$(err "$dir/ho_$1.h5" grid/q0 schrodinger/p)"
    eval "t_$1=$t"
done
if command -v xmds2 >/dev/null 2>&1; then
    steps=${XMDS_STEPS:-5600}
    sed "s/@STEPS@/$steps/" "$src/tests/bench/ho.xmds" >"$dir/ho.xmds"
    (cd "$dir" && xmds2 ho.xmds >xmds2.log 2>&1) || { cat "$dir/xmds2.log"; exit 1; }
    tx=$(cd "$dir" && timed ./ho)
    printf '   XMDS2 RK4IP, %s steps: %.3f s, max density error %s\n' "$steps" "$tx" \
        "$(err "$dir/ho.h5" 1/x 1/dens)"
    printf '   nnq faster than XMDS2: order4 %.2fx, bm4 %.2fx, bm6 %.2fx\n' \
        "$(echo "$tx / $t_order4" | bc -l)" "$(echo "$tx / $t_bm4" | bc -l)" \
        "$(echo "$tx / $t_bm6" | bc -l)"
else
    echo "   XMDS2: skipped (xmds2 not installed)"
fi

echo "3. sweep of 50 runs of a 256^2 config (500 Strang steps), JOBS=1:"
cat >"$dir/short.ini" <<'INI'
[run]
name = short
dt = 1e-3
t_end = 0.5
diag_every = 50
snapshot_every = 250
threads = 1
[grid]
n = 256, 256
qmin = -8
qmax = 8
[potential]
preset = harmonic
[initial]
preset = gaussian
center = 1, 0
momentum = 0, 1
[madelung]
enabled = false
[output]
file = short.h5
INI
"$nnq" simulate "$dir/short.ini" --force --quiet -o "$dir/warm.h5" >/dev/null
t0=$(now)
(cd "$src" && NNQ="$nnq" JOBS=1 OUT="$dir/sweep" sh "${SWEEP:-examples/sweep_mu.sh}" "$dir/short.ini" \
    $(seq 0.5 0.05 2.95)) >/dev/null
t1=$(now)
$py -c "
import json
runs = [json.loads(l) for l in open('$dir/sweep/results.jsonl')]
wall = $t1 - $t0
if any('step_s' not in r for r in runs):  # versions before step_s: planning apart only
    step = sum(r['wall_s'] - r['plan_s'] for r in runs)
    print('   (no step_s in this version: stepping counted as wall_s - plan_s, rows included)')
else:
    step = sum(r['step_s'] for r in runs)
inside = sum(r['wall_s'] for r in runs)
plan = sum(r['plan_s'] for r in runs)
print('   %d runs in %.2f s: stepping %.2f s, in nnq but not stepping %.2f s (planning %.2f s),'
      ' outside nnq %.2f s: %.1f %% outside the stepping loops'
      % (len(runs), wall, step, inside - step, plan, wall - inside, 100 * (1 - step / wall)))"
