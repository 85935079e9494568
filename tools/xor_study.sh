#!/bin/sh
# The potential form on a real network's landscape, under refinement: prints a markdown
# section (docs/validation.md, "A real network").
#   sh tools/xor_study.sh NNQ PYTHON   (PYTHON with numpy and h5py; about 35 minutes)
# For 160 x 96 and 320 x 192 points it builds the 2-2-1 XOR network's landscape and states
# (tools/xor_network.py), runs the ground state (at potential_floor 1e-7, the default, and
# 1e-8) and the tunnelling state (at 1e-8, 1e-7 and 1e-6) to t = 8 with [madelung] form =
# potential, and tabulates the divergence at t = 8, its largest value, and the largest
# difference of the alpha < 0 basin's mass between the two descriptions over 41 snapshots.
set -eu
nnq=$1
py=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
row() { # DIR LABEL OUT [--set ...]
    d=$1 label=$2 out=$3
    shift 3
    if (cd "$d" && "$nnq" simulate xor.ini --quiet --force -o "$out" --set run.snapshot_every=100 \
        --set output.fields=p "$@" >/dev/null 2>"$out.err"); then
        "$py" - "$d/$out" "$label" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1])
d, t, q0 = f['diagnostics'], f['snapshots/t'][:], f['grid/q0'][:]
left = q0 < 0
ps, pm = f['schrodinger/p'], f['madelung/p']
lost = [k for k in range(len(d['t'])) if d['madelung_mass'][k] != d['madelung_mass'][k]]
if lost:
    print('| %s | Madelung ended by t = %.3g | | | | |' % (sys.argv[2], d['t'][lost[0]]))
    sys.exit(0)
worst = max(abs(ps[k][left].sum() / ps[k].sum() - pm[k][left].sum() / pm[k].sum()) for k in range(len(t)))
print('| %s | %.2e | %.2e | %.2e | %.2e | %.1e |' % (sys.argv[2], d['div_p_l1'][-1], d['div_p_l1'][:].max(),
      d['infidelity'][-1], worst, d['madelung_curl'][:].max()))
PY
    else
        echo "| $label | stopped: $(sed -n 's/.* at t = \([0-9.e+-]*\).*/t = \1/p' "$d/$out.err" | head -1) | | | | |"
    fi
}
echo "| run | div_p_l1 at t = 8 | largest div_p_l1 | infidelity at t = 8 | basin mass, largest difference | largest curl |"
echo "|---|---|---|---|---|---|"
for n in "160 96" "320 192"; do
    set -- $n
    d="$tmp/r$1"
    mkdir -p "$d"
    "$py" "$here/xor_network.py" "$d" "$1" "$2" >/dev/null
    for f in 1e-7 1e-8; do
        row "$d" "ground state, $1 x $2, potential_floor $f" "ground$f.h5" \
            --set madelung.potential_floor=$f
    done
    for f in 1e-8 1e-7 1e-6; do
        row "$d" "tunnelling, $1 x $2, potential_floor $f" "tunnel$f.h5" \
            --set initial.file=tunnel.h5 --set madelung.potential_floor=$f
    done
done
