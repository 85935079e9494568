#!/bin/sh
# The parting against hbar on a real network's landscape, at two resolutions: prints a
# markdown table (docs/validation.md, "A real network: the parting against hbar").
#   sh tools/xor_sweep.sh NNQ PYTHON [T_END [HBAR...]]   (PYTHON with numpy and h5py)
# For each hbar (0.15 0.2 0.25 0.35 0.5 unless given) and each grid (160 x 96, 320 x 192)
# tools/xor_network.py builds the 2-2-1 XOR network's landscape and the tunnelling state
# phi0 + 0.4 phi1 of that hbar's discrete H, and nnq runs it to T_END (4 unless given) with
# [madelung] form = potential at its defaults. Per hbar and grid: the largest defect weight
# after t = 0.5 (the state's own node, where p is ~1e-7 of its peak, fills in before), the
# first time the weight reaches 1e-6, the first times div_p_l1 passes 1e-3 and 1e-2, and
# div_p_l1 at the end; then whether the two grids agree on those times (as `nnq converge`
# judges: within 5 % or one row).
set -eu
nnq=$1
py=$2
tend=${3:-4}
if [ $# -gt 3 ]; then shift 3; else set -- 0.15 0.2 0.25 0.35 0.5; fi
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| hbar | period | grid | largest defect weight, t > 0.5 | weight reaches 1e-6 | div_p_l1 passes 1e-3 | passes 1e-2 | div_p_l1 at t = $tend |"
echo "|---|---|---|---|---|---|---|---|"
for hb in "$@"; do
    for n in "160 96" "320 192"; do
        set -- $n
        d="$tmp/h${hb}_$1"
        mkdir -p "$d"
        "$py" "$here/xor_network.py" "$d" "$1" "$2" "$hb" >"$d/states.txt"
        (cd "$d" && "$nnq" simulate xor.ini --quiet --force -o run.h5 --set initial.file=tunnel.h5 \
            --set run.t_end="$tend" --set run.diag_every=25 >run.json 2>run.err) || true
    done
    "$py" - "$tmp/h${hb}_160" "$tmp/h${hb}_320" "$hb" <<'PY'
import json, re, sys
import h5py
dirs, hb = sys.argv[1:3], sys.argv[3]
period = re.search(r"\(E1 - E0\) = ([0-9.]+)", open(dirs[0] + "/states.txt").read()).group(1)
fmt = lambda t: "none" if t is None else "%.3g" % t
times = []
for k, d in enumerate(dirs):
    s = json.loads([l for l in open(d + "/run.json") if l.startswith("{")][-1])
    grid = "x".join(map(str, s["n"]))
    if s["status"] != "ok":
        print("| %s | %s | %s | stopped at t = %.3g: %s | | | | |" % (
            hb if k == 0 else "", period if k == 0 else "", grid, s["t"], s["status"]))
        times.append(None)
        continue
    if s["ended"]:
        print("| %s | %s | %s | Madelung ended at t = %.3g | | | | |" % (
            hb if k == 0 else "", period if k == 0 else "", grid, s["ended"]["t"]))
        times.append(None)
        continue
    g = h5py.File(d + "/run.h5")["diagnostics"]
    t, w = g["t"][:], g["defect_weight"][:]
    row_dt = t[1] - t[0]
    tt = (s["t_multivalued_at"]["1e-6"], s["t_part"]["div_p_l1"]["1e-3"],
          s["t_part"]["div_p_l1"]["1e-2"])
    times.append(tt)
    print("| %s | %s | %s | %.1e | %s | %s | %s | %.2e |" % (
        hb if k == 0 else "", period if k == 0 else "", grid, w[t > 0.5].max(),
        fmt(tt[0]), fmt(tt[1]), fmt(tt[2]), g["div_p_l1"][-1]))
if None not in times:
    def agree(a, b):
        if a is None and b is None:
            return "neither reached"
        if a is None or b is None:
            return "no"
        return "yes" if abs(a - b) <= max(0.05 * b, row_dt) else "no"
    print("| | | agree | | %s | %s | %s | |" % tuple(agree(a, b) for a, b in zip(*times)))
PY
done
