#!/bin/sh
# ctest driver: a small 1D and a small 2D run (both solvers, trajectories, snapshots,
# checkpoints), a V read from a file and two malformed files refused, under valgrind
# memcheck: any error or definite/indirect leak fails. Exit 77 (skipped) without
# valgrind. With TEST_POTENTIAL, that test program (V from files: 18 malformed files refused, the
# layouts read) runs under memcheck too.
# Usage: test_valgrind.sh NNQ [TEST_POTENTIAL]
set -eu
nnq=$1
command -v valgrind >/dev/null || { echo "skipped: valgrind not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
export NNQ_WISDOM=
printf '[run]\nsteps = 30\ndt = 1e-3\nsnapshot_every = 10\ncheckpoint_every = 15\n[grid]\nn = 64\nqmin = -8\nqmax = 8\n[potential]\npreset = harmonic\n[initial]\npreset = superposition\ncenter = -2, 2\nmomentum = 1, -1\n[trajectories]\ncount = 20\nkinds = bohm, madelung, nelson\n' > one.ini
printf '[run]\nsteps = 10\ndt = 1e-3\nsnapshot_every = 5\n[grid]\nn = 24, 16\nqmin = -6\nqmax = 6\n[initial]\npreset = vortex\nwidth = 1\n[trajectories]\nat = 0.5 0.5, -1 0\nkinds = bohm, nelson\n' > two.ini
for cfg in one two; do
    valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect -q \
        "$nnq" simulate $cfg.ini --quiet -o $cfg.h5 >/dev/null
    valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect -q \
        "$nnq" info $cfg.h5 >/dev/null
    echo "ok: $cfg: no memcheck errors, no leaks"
done
# a V from a file: a run's own output, then two malformed files (exit 2, the message, no leak)
valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect -q \
    "$nnq" simulate two.ini --quiet -o file.h5 --set potential.file=two.h5 >/dev/null
echo "not hdf5" > bad.h5
for set in "potential.file=bad.h5" "potential.file=two.h5 --set potential.dataset=/diagnostics/t"; do
    rc=0
    # shellcheck disable=SC2086 # the second case is two options
    valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect -q \
        "$nnq" simulate two.ini --quiet --force -o out.h5 --set $set >/dev/null 2>err.txt || rc=$?
    [ $rc = 2 ] && grep -q "\[potential\] file" err.txt || { echo "FAIL: --set $set: exit $rc"; cat err.txt; exit 1; }
done
echo "ok: V from files, and two malformed ones refused: no memcheck errors, no leaks"
if [ $# -gt 1 ]; then
    valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect -q \
        "$2" >/dev/null
    echo "ok: $(basename "$2"): every malformed file refused, no memcheck errors, no leaks"
fi
