#!/bin/sh
# MPI runs against the serial run (ctest label mpi; only in an MPI build), both solvers:
#  - 1D (two packets colliding: nodes; rank 0 holds a 1D grid; an absorbing layer whose
#    strength is chosen from the state: the same in the stored config; bm4, so the bohm
#    particles take the order-4 path with psi's time derivative), 2D (axis 0 of 30 rows:
#    8,8,8,6 on 4 ranks) and 3D (9 rows: 3,3,3,0 - a rank holds none), np = 1, 2, 4
#    (oversubscribed): p, psi, F, V, the Madelung p, F, j, the Fokker-Planck p, the basins'
#    labels and tables (1D, 2D, 3D), the regions' tables (2D), every diagnostics column and
#    the trajectories of all four kinds (1D, 2D) within 1e-12 of the serial run, same layout
#    (tests/test_mpi.py);
#  - the Madelung potential form (1D, 2D), np = 1, 2, 4: the same;
#  - the eigenstates of H (2D: 4 of the anisotropic oscillator; 1D: a double well's, the run
#    started from three of them), np = 1, 2, 4: the same;
#  - a V read from a file (an nnq output, L in a V expression that depends on t; a
#    loss-landscape file in the tool's y-major buffer, of which each rank reads its part) and a
#    run started from a file's state, on 1, 2 and 4 ranks: the same;
#  - a run stopped by a signal on 2 ranks (SIGUSR1 to Open MPI's mpirun: exit 130), resumed on
#    2, ends as the unstopped 2-rank run; 2-rank runs killed (SIGKILL) at 6 moments and resumed
#    on 2 equal the unstopped run bit for bit or refuse;
#  - errors are reported once (exit 2): 5 rows on 4 ranks (2,2,1,0: the Madelung solver's halo
#    needs 2 rows on every rank that holds any);
#  - a NaN Madelung state on 2 ranks ends the Madelung description (or stops the run), a
#    hostile input file is refused on 2 ranks, a checkpoint slot a kill left half-written is
#    rewritten by the resumed run (no hang);
#  - one rank out of memory at any of nnq's allocations (FAILALLOC, an LD_PRELOAD library that
#    fails the k-th on rank 1, for every k of a run with all trajectories and eigenstates,
#    both forms): the run stops on every rank with exit 1 (or completes, where the allocation
#    was optional), never hangs in a collective that the failed rank does not reach.
# Usage: test_mpi.sh NNQ MPIEXEC SOURCE_DIR PART [FAILALLOC]
# PART chooses which of these checks run, so that ctest runs them side by side: compare (the
# runs against the serial run, the errors, the NaN state, the hostile input), killed (the
# signal and the kills) or oom (the out-of-memory sweep, with FAILALLOC).
# NNQ_TEST_RANKS (default "1 2 4") chooses the rank counts compared with the serial run; CI's
# sanitizer build runs "2 4" (one rank is the serial code under mpirun, which the serial
# sanitizer suite covers); the runs below are on 2 ranks whatever it says.
set -eu
nnq=$1 mpiexec=$2 src=$3 part=$4 failalloc=${5:-}
case $part in compare | killed | oom) ;; *) echo "test_mpi.sh: unknown part '$part'"; exit 2 ;; esac
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
$py -c 'import h5py, numpy' 2>/dev/null || { echo "skipped: no h5py"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# OpenMPI refuses root and more ranks than cores unless told (CI runs as root on 2 cores)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 NNQ_WISDOM=
fail=0

cat > "$dir/two.ini" <<'INI'
[run]
steps = 60
dt = 1e-3
diag_every = 10
snapshot_every = 20
checkpoint_every = 30
planner = estimate
states = 4
[grid]
n = 30, 24
qmin = -6
qmax = 6
[potential]
preset = harmonic
omega = 1, 1.3
[initial]
preset = vortex
width = 1
core = 0.5
momentum = 0.3, 0
[trajectories]
count = 300
kinds = bohm, madelung, nelson, langevin
[classical]
enabled = true
[basins]
enabled = true
[regions]
left = x < 0
ring = x^2 + y^2 <= 1
INI
cat > "$dir/three.ini" <<'INI'
[run]
steps = 40
dt = 2e-3
integrator = bm6
diag_every = 10
snapshot_every = 20
planner = estimate
[grid]
n = 9, 10, 8
qmin = -5
qmax = 5
[potential]
preset = harmonic
[initial]
preset = vortex
width = 1
core = 0.5
momentum = 0.3, 0, 0.2
[classical]
enabled = true
mobility = 1, 2, 0.5
[basins]
enabled = true
INI

cat > "$dir/one.ini" <<'INI'
[run]
steps = 400
dt = 5e-3
integrator = bm4
diag_every = 20
snapshot_every = 200
planner = estimate
[grid]
n = 256
qmin = -12
qmax = 12
boundary = absorbing
[potential]
# the step (0 in the box) keeps V's own gradient away: the langevin walkers read V's grid
V = 0.02*x^2 + step(x - 100)
[initial]
preset = superposition
center = -3, 3
width = 0.7
momentum = 2.5, -2.5
[trajectories]
count = 300
kinds = bohm, madelung, nelson, langevin
every = 2
[classical]
enabled = true
[basins]
enabled = true
INI

# the potential form (p and F; its halo is 3 rows: 30 rows on 4 ranks are 8,8,8,6)
cat > "$dir/pone.ini" <<'INI'
[run]
steps = 200
dt = 5e-3
diag_every = 20
snapshot_every = 100
planner = estimate
[grid]
n = 256
qmin = -12
qmax = 12
[potential]
preset = harmonic
[initial]
preset = gaussian
center = 1
momentum = 1
[madelung]
form = potential
[trajectories]
count = 100
kinds = bohm, madelung, nelson
INI
# started from eigenstates of a double well (phi0 + phi1): found on every rank count alike
sed -e 's/^preset = harmonic/V = 2 * (x^2 - 4)^2 \/ 16/' -e 's/^preset = gaussian/state = 0, 1, 2/' \
    -e '/^center = 1/d' -e 's/^momentum = 1/amplitude = 1, 1, 0.3\nphase = 0, 0, 1/' \
    -e 's/^form = potential/form = momentum/' "$dir/pone.ini" >"$dir/states.ini"
sed -e 's/^preset = vortex/preset = gaussian/' -e '/^core = 0.5/d' \
    -e 's/^momentum = 0.3, 0$/momentum = 0.3, 0.2\n[madelung]\nform = potential/' \
    "$dir/two.ini" >"$dir/ptwo.ini"

# a V read from a file (the 2D run's own output, read by rows under mpirun), with L in V
"$nnq" simulate "$dir/two.ini" -o "$dir/landscape.h5" --quiet --set run.steps=1 >/dev/null
sed -e "s|^preset = harmonic|file = $dir/landscape.h5\nV = L + 0.1 * x * y * (1 + sin(3 * t))|" -e '/^omega = 1, 1.3/d' \
    "$dir/two.ini" >"$dir/file.ini"
# a state read from a file (that output's last snapshot), read by rows under mpirun
sed -e "s|^preset = vortex|file = $dir/landscape.h5|" -e '/^width = 1/d' -e '/^core = 0.5/d' \
    -e '/^momentum = 0.3, 0$/d' "$dir/two.ini" >"$dir/restart.ini"
# a loss-landscape file in the tool's y-major buffer (declared (nx, ny), (x_i, y_j) at
# j nx + i), of which each rank reads the run of x its rows need at every y
$py - "$dir/tool.h5" <<'PY'
import sys, h5py, numpy as np
x, y = np.linspace(-6.5, 6.5, 41), np.linspace(-6.5, 6.5, 33)
X, Y = np.meshgrid(x, y)  # [j][i]
with h5py.File(sys.argv[1], "w") as f:
    f["xcoordinates"], f["ycoordinates"] = x, y
    f["train_loss"] = (0.5 * X**2 + 0.3 * Y**2 + 0.1 * X * Y + 0.02 * X**3).reshape(41, 33)
    f["dir_file"] = "tool"
PY
sed -e "s|^preset = harmonic|file = $dir/tool.h5|" -e '/^omega = 1, 1.3/d' "$dir/two.ini" >"$dir/tool.ini"
if [ $part = compare ]; then
for case in one two three file restart tool pone ptwo states; do
    "$nnq" simulate "$dir/$case.ini" -o "$dir/${case}_serial.h5" --quiet >/dev/null
    for np in ${NNQ_TEST_RANKS:-1 2 4}; do
        if ! "$mpiexec" -n $np "$nnq" simulate "$dir/$case.ini" -o "$dir/${case}_np$np.h5" \
            --quiet >"$dir/out" 2>&1; then
            echo "FAIL: $case on $np ranks:"; cat "$dir/out"; fail=1; continue
        fi
        $py "$src/tests/test_mpi.py" "$dir/${case}_serial.h5" "$dir/${case}_np$np.h5" || fail=1
    done
done
fi

if [ $part = killed ]; then

# waits (at most 60 s) for file $1 to exist: a run's output appears once its set-up is over
appears() {
    i=0
    while [ ! -f "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
}

# stopped on 2 ranks by a signal, resumed on 2: ends where the run that was never stopped
# does. Open MPI's mpirun gets SIGUSR1, forwards it and exits with the ranks' 130 (it kills the
# ranks on SIGINT/SIGTERM); another launcher's ranks get SIGINT, as a batch system sends it.
sed -e 's/^steps = 60/steps = 6000/' -e 's/^snapshot_every = 20/snapshot_every = 2000/' \
    -e 's/^diag_every = 10/diag_every = 500/' -e 's/^checkpoint_every = 30/checkpoint_every = 0/' \
    -e 's/^n = 30, 24/n = 60, 48/' "$dir/two.ini" >"$dir/long.ini"
openmpi=0
"$mpiexec" --version 2>&1 | grep -q "Open MPI" && openmpi=1
"$mpiexec" -n 2 "$nnq" simulate "$dir/long.ini" -o "$dir/long.h5" --quiet >"$dir/out" 2>&1 &
pid=$!
# the signal once the run is stepping (its file exists: set up, the handlers in place), a few
# hundred of its steps in (3 s for the whole run here; 12 s under ASan)
appears "$dir/long.h5"
sleep 0.3
if [ $openmpi = 1 ]; then kill -USR1 $pid; else pkill -INT -f "simulate $dir/long.ini" || true; fi
rc=0
wait $pid || rc=$?
if ! grep -q "interrupted at step" "$dir/out" || { [ $openmpi = 1 ] && [ $rc != 130 ]; }; then
    echo "FAIL: the 2-rank run was not interrupted cleanly (exit $rc):"; cat "$dir/out"; fail=1
else
    "$mpiexec" -n 2 "$nnq" simulate --resume "$dir/long.h5" --quiet >"$dir/out2" 2>&1 ||
        { echo "FAIL: resume on 2 ranks:"; cat "$dir/out2"; fail=1; }
    "$mpiexec" -n 2 "$nnq" simulate "$dir/long.ini" -o "$dir/long_np2.h5" --quiet >/dev/null
    $py "$src/tests/test_mpi.py" "$dir/long_np2.h5" "$dir/long.h5" || fail=1
fi

# SIGKILL to both ranks (and mpirun) at moments spread over the stepping of a 2-rank run that
# checkpoints every second step, then --resume on 2 ranks: the file equals the uninterrupted
# 2-rank run's bit for bit, or the resume refuses (exit 2); never a wrong answer. The moments
# count from when the run's file appears (its set-up over), so that a loaded machine's slower
# start (mpirun, FFTW's planning) does not move every kill into the set-up
sed -e 's/^steps = 60/steps = 300/' -e 's/^checkpoint_every = 30/checkpoint_every = 2/' \
    -e 's/^n = 30, 24/n = 64, 64/' -e 's/^snapshot_every = 20/snapshot_every = 100/' \
    "$dir/two.ini" >"$dir/kill.ini"
"$mpiexec" -n 2 "$nnq" simulate "$dir/kill.ini" -o "$dir/kill_whole.h5" --quiet >/dev/null &
pid=$!
appears "$dir/kill_whole.h5"
t0=$(date +%s.%N)
wait $pid
length=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
exact=0 refused=0
for k in 0 1 2 3 4 5; do
    "$mpiexec" -n 2 "$nnq" simulate "$dir/kill.ini" -o "$dir/kill$k.h5" --quiet >/dev/null 2>&1 &
    pid=$!
    appears "$dir/kill$k.h5"
    sleep "$(awk -v l="$length" -v k=$k 'BEGIN { print l * (0.1 + 0.14 * k) }')"
    pkill -KILL -f "simulate $dir/kill.ini -o $dir/kill$k.h5" || true
    wait $pid 2>/dev/null || true
    rc=0
    # (bounded: a resume that hangs is a failure, not a stalled suite)
    timeout 300 "$mpiexec" -n 2 "$nnq" simulate --resume "$dir/kill$k.h5" --quiet >"$dir/out" 2>&1 ||
        rc=$?
    if [ $rc = 2 ]; then
        refused=$((refused + 1))
    elif [ $rc != 0 ]; then
        echo "FAIL: kill $k: resume on 2 ranks exit $rc:"; cat "$dir/out"; fail=1
    elif h5diff -q "$dir/kill_whole.h5" "$dir/kill$k.h5" /schrodinger/psi &&
        h5diff -q "$dir/kill_whole.h5" "$dir/kill$k.h5" /madelung/j &&
        h5diff -q "$dir/kill_whole.h5" "$dir/kill$k.h5" /diagnostics/energy &&
        h5diff -q "$dir/kill_whole.h5" "$dir/kill$k.h5" /trajectories/nelson/q; then
        exact=$((exact + 1))
    else
        echo "FAIL: kill $k: resumed on 2 ranks with exit 0 to a different result"; fail=1
    fi
done
echo "killed 2-rank runs: $exact resumed bit for bit, $refused refused (of 6)"
[ $exact -ge 2 ] || { echo "FAIL: fewer than 2 of 6 killed runs resumed"; fail=1; }
fi

if [ $part = compare ]; then

# errors: exit 2, the message once (rank 0 speaks for all)
sed -e 's/^n = 30, 24/n = 5, 24/' "$dir/two.ini" >"$dir/thin.ini"
set +e
"$mpiexec" -n 4 "$nnq" simulate "$dir/thin.ini" -o "$dir/thin.h5" >"$dir/out" 2>"$dir/err"
rc=$?
set -e
n=$(grep -c "rank 2 with 1; the Madelung solver needs 2 or none" "$dir/err" || true)
if [ "$rc" != 2 ] || [ "$n" != 1 ]; then
    echo "FAIL: 5 rows on 4 ranks: exit $rc, message $n times:"; cat "$dir/out" "$dir/err"; fail=1
fi
# a NaN Madelung density (planted in the checkpoint of a finished 2-rank run, marked
# unfinished) ends the Madelung description at the next step (t = 0.031: the particles' per-step
# hook steps the run one step at a time) in the resumed run on 2 ranks (on_failure = end,
# the default): exit 0, the end said once with the reason, psi run on to the last row, the
# Madelung columns and the madelung particles NaN from the end on. With on_failure = stop in
# the stored config: exit 3, the message naming the solver once, the file valid with its rows
# up to the checkpoint. stderr apart: mpirun forwards each stream in chunks as they come, so
# the message can land inside the summary's unflushed JSON line
[ -f "$dir/two_np2.h5" ] || # NNQ_TEST_RANKS without 2
    "$mpiexec" -n 2 "$nnq" simulate "$dir/two.ini" -o "$dir/two_np2.h5" --quiet >/dev/null
for policy in end stop; do
cp "$dir/two_np2.h5" "$dir/nan.h5"
$py - "$dir/nan.h5" "$policy" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    f.attrs["completed"] = np.int32(0)
    c = f.attrs["config"]
    if sys.argv[2] == "stop":  # the stored config holds the keys given
        c = (c.replace("[madelung]", "[madelung]\non_failure = stop") if "[madelung]" in c
             else c + "\n[madelung]\non_failure = stop\n")
    f.attrs["config"] = c
    m = f["/checkpoint/madelung"]
    m[m.shape[0] // 6] = np.nan  # a cell of p on the second rank's slab
PY
set +e
"$mpiexec" -n 2 "$nnq" simulate --resume "$dir/nan.h5" >"$dir/out" 2>"$dir/err"
rc=$?
set -e
if [ $policy = end ]; then
    n=$(grep -c '"ended":{"description":"madelung","t":0.031,.*density is NaN' "$dir/out" || true)
    if [ "$rc" != 0 ] || [ "$n" != 1 ] ||
        ! $py - "$dir/nan.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1])
m, norm = f["/diagnostics/madelung_mass"][:], f["/diagnostics/norm"][:]
assert len(m) == 7 and np.isfinite(m[:4]).all() and np.isnan(m[4:]).all(), m
assert np.isfinite(norm).all() and f.attrs["completed"] == 1
t = f["/trajectories"]
assert np.isnan(t["madelung/q"][-1]).all() and np.isfinite(t["bohm/q"][-1]).all()
PY
    then
        echo "FAIL: NaN Madelung density on 2 ranks, on_failure = end: exit $rc, said $n times:"
        cat "$dir/out" "$dir/err"; fail=1
    fi
else
    n=$(grep -c "^nnq: Madelung solver: the density is NaN" "$dir/err" || true)
    if [ "$rc" != 3 ] || [ "$n" != 1 ] ||
        ! $py -c "import h5py,sys; f=h5py.File(sys.argv[1]); assert f['/diagnostics/t'].shape[0] == 4" \
            "$dir/nan.h5"; then
        echo "FAIL: NaN Madelung density on 2 ranks: exit $rc, message $n times:"
        cat "$dir/out" "$dir/err"; fail=1
    fi
fi
done
# a hostile input on 2 ranks: the output's V kept in external raw storage (its data outside
# the file) is refused on every rank before anything is read: exit 2, the message once
$py - "$dir/landscape.h5" "$dir/external.h5" "$dir/raw.bin" <<'PY'
import sys, h5py, numpy as np
src, dst, raw = sys.argv[1:]
with h5py.File(src, "r") as f:
    V, q0, q1 = f["/potential/V"][:], f["/grid/q0"][:], f["/grid/q1"][:]
V.astype("<f8").tofile(raw)
with h5py.File(dst, "w") as g:
    g["x"], g["y"] = q0, q1
    g.create_dataset("L", shape=V.shape, dtype="<f8", external=[(raw, 0, V.nbytes)])
PY
set +e
sed -e "s|^preset = harmonic|file = $dir/external.h5\ndataset = /L\ncoordinates = /x, /y|" \
    -e '/^omega = 1, 1.3/d' "$dir/two.ini" >"$dir/ext.ini"
"$mpiexec" -n 2 "$nnq" simulate "$dir/ext.ini" -o "$dir/ext.h5" >"$dir/out" 2>"$dir/err"
rc=$?
set -e
n=$(grep -c "'/L' keeps its data in external raw files" "$dir/err" || true)
if [ "$rc" != 2 ] || [ "$n" != 1 ]; then
    echo "FAIL: external storage on 2 ranks: exit $rc, message $n times:"; cat "$dir/out" "$dir/err"
    fail=1
fi
# a checkpoint slot that a kill left half-written (complete -1, its chunk of the classical p
# failing its checksum) is rewritten by the run resumed on 2 ranks from the other slot: a rank's
# half of the chunk makes HDF5 read the chunk back, and the rank that read the bad checksum
# alone left the collective write the other waited in (a hang). The resumed run ends as the
# run that was never stopped, bit for bit
sed -e 's/^steps = 60/steps = 100/' "$dir/two.ini" >"$dir/slot.ini"
"$mpiexec" -n 2 "$nnq" simulate "$dir/slot.ini" -o "$dir/slot_whole.h5" --quiet >/dev/null
cp "$dir/slot_whole.h5" "$dir/slot.h5"
$py - "$dir/slot.h5" <<'PY'
import sys, h5py, numpy as np
path = sys.argv[1]
with h5py.File(path, "r+") as f:
    f.attrs["completed"] = np.int32(0)
    slot = f["/checkpoint"]
    assert slot.attrs["complete"] == 90 and f["/checkpoint_alt"].attrs["complete"] == 60
    slot.attrs["complete"] = np.int64(-1)
    info = slot["classical"].id.get_chunk_info(0)
    offset, size = info.byte_offset, info.size
with open(path, "r+b") as raw:  # a few bytes of the chunk, as a kill mid-write leaves them
    raw.seek(offset + size // 2)
    raw.write(bytes(16))
PY
rc=0
timeout 120 "$mpiexec" -n 2 "$nnq" simulate --resume "$dir/slot.h5" --quiet >"$dir/out" 2>&1 || rc=$?
if [ $rc != 0 ]; then
    echo "FAIL: resume on 2 ranks over a half-written checkpoint slot: exit $rc (124: a hang)"
    cat "$dir/out"; fail=1
else
    for ds in /schrodinger/psi /madelung/j /classical/p /diagnostics/energy; do
        h5diff -q "$dir/slot_whole.h5" "$dir/slot.h5" $ds ||
            { echo "FAIL: resumed over a half-written slot: $ds differs"; fail=1; }
    done
fi
fi

# one rank out of memory: every allocation of nnq's on rank 1 in turn
if [ $part = oom ]; then
    [ -n "$failalloc" ] || { echo "skipped: no FAILALLOC library"; exit 77; }
    cat >"$dir/oom.ini" <<'INI'
[run]
steps = 4
dt = 1e-3
diag_every = 2
snapshot_every = 2
checkpoint_every = 2
planner = estimate
states = 2
integrator = bm4
[grid]
n = 32, 32
qmin = -8
qmax = 8
[potential]
preset = harmonic
[initial]
preset = gaussian
[trajectories]
count = 20
kinds = bohm, madelung, nelson, langevin
INI
    # every allocation with the potential form; with the momentum form those of 1 KiB or more
    # (the fields: what differs), so that the sweep stays near a minute
    for form in potential momentum; do
        bytes=1
        [ $form = momentum ] && bytes=1024
        env="-x LD_PRELOAD=$failalloc -x NNQ_FAIL_RANK=1 -x NNQ_FAIL_BYTES=$bytes"
        # shellcheck disable=SC2086
        "$mpiexec" -n 2 $env -x NNQ_FAIL_AT=0 -x NNQ_FAIL_COUNT="$dir/count" "$nnq" simulate \
            "$dir/oom.ini" --set madelung.form=$form -o "$dir/oom.h5" --force --quiet >/dev/null
        total=$(cat "$dir/count")
        [ "$total" -gt 20 ] || { echo "FAIL: failalloc counted $total allocations"; fail=1; }
        # four at a time: a run that stops waits about a second for mpirun's clean-up
        k=1
        while [ "$k" -le "$total" ]; do
            for j in $k $((k + 1)) $((k + 2)) $((k + 3)); do
                [ "$j" -le "$total" ] || break
                # shellcheck disable=SC2086
                (set +e; timeout 60 "$mpiexec" -n 2 $env -x NNQ_FAIL_AT=$j "$nnq" simulate \
                    "$dir/oom.ini" --set madelung.form=$form -o "$dir/oom$j.h5" --force --quiet \
                    >/dev/null 2>"$dir/err$j"; echo $? >"$dir/rc$j") &
            done
            wait
            for j in $k $((k + 1)) $((k + 2)) $((k + 3)); do
                [ "$j" -le "$total" ] || break
                rc=$(cat "$dir/rc$j")
                if [ "$rc" = 1 ] && ! grep -q "^nnq: .*out of memory" "$dir/err$j"; then rc=x; fi
                if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
                    echo "FAIL: $form form, rank 1's allocation $j of $total failed: exit $rc" \
                        "(124: a hang)"; cat "$dir/err$j"; fail=1
                fi
                rm -f "$dir/oom$j.h5" "$dir/oom$j.xmf"
            done
            k=$((k + 4))
        done
    done
fi
[ $fail = 0 ] && echo "mpi ($part): all checks passed"
exit $fail
