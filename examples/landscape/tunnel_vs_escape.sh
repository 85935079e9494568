#!/bin/sh
# Quantum tunnelling against classical escape on the network's landscape (tunnel.ini): one
# sweep over hbar (mu, with epsilon = 1) of psi alone, one over the temperature
# (classical.diffusion, mobility 1) of the Fokker-Planck density, each run from the same
# minimum to t = 100; the time the far basin's share first passed 1/e (and 1/2) is read from
# each run's JSON line. (The classical share tends to 1/2 from below, its equilibrium in two
# mirror basins, so it passes 1/e only.) The runs go in parallel (xargs -P); with Debian's python3-h5py and
# python3-matplotlib the two sweeps become figures in $OUT (examples/plot.py --sweep):
# tunnel_hbar_sweep_mu.png and tunnel_T_sweep_classical_diffusion.png.
#
#   sh examples/landscape/tunnel_vs_escape.sh      (from the folder that holds landscape.h5)
#   environment: NNQ (default ./build/nnq, or nnq on the PATH), JOBS (parallel runs, default
#   the number of CPUs), OUT (output folder, default tunnel_vs_escape), MUS, TEMPERATURES
set -eu
here=$(dirname "$0")
nnq=${NNQ:-./build/nnq}
[ -x "$nnq" ] || nnq=nnq
out=${OUT:-tunnel_vs_escape}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
mus=${MUS:-0.3 0.35 0.4 0.5 0.6}
temperatures=${TEMPERATURES:-0.2 0.25 0.3 0.4 0.6}
[ -f landscape.h5 ] || { echo "no landscape.h5 here: python3 $here/make_landscape.py" >&2; exit 2; }
mkdir -p "$out"
common="--quiet --force --set run.t_end=100 --set run.snapshot_every=0 --set trajectories.count=0 --set madelung.enabled=false"

# psi alone (the classical density off), hbar = mu
printf '%s\n' $mus |
    xargs -P "$jobs" -n 1 sh -c '"$0" simulate "$1" '"$common"' --set classical.enabled=false \
        --set "network.mu=$3" -o "$2/tunnel_mu{network.mu}.h5"' "$nnq" "$here/tunnel.ini" "$out" \
    > "$out/tunnel_hbar.jsonl"
# the classical density at temperature D / mobility = D (psi runs beside it, at hbar = 0.4)
printf '%s\n' $temperatures |
    xargs -P "$jobs" -n 1 sh -c '"$0" simulate "$1" '"$common"' \
        --set "classical.diffusion=$3" -o "$2/tunnel_T{classical.diffusion}.h5"' "$nnq" \
        "$here/tunnel.ini" "$out" > "$out/tunnel_T.jsonl"

py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
$py - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def rows(name):
    return [json.loads(l) for l in open("%s/%s" % (out, name)) if l.startswith("{")]
def t(run, desc, key):
    v = run.get("basins", {}).get(desc, {}).get(key, [None, None])[1]
    return "never" if v is None else "%.4g" % v
print("quantum tunnelling (psi): the far basin's share passes 1/e and 1/2 at")
for r in sorted(rows("tunnel_hbar.jsonl"), key=lambda r: r["hbar"]):
    print("  hbar = %-5g t = %-7s %s" % (r["hbar"], t(r, "schrodinger", "t_1e"), t(r, "schrodinger", "t_half")))
print("classical escape (Fokker-Planck, mobility 1): at")
for r in sorted(rows("tunnel_T.jsonl"), key=lambda r: float(r["output"].rsplit("_T", 1)[1][:-3])):
    print("  T = %-8s t = %-7s %s" % (r["output"].rsplit("_T", 1)[1][:-3], t(r, "classical", "t_1e"), t(r, "classical", "t_half")))
PY
if $py -c 'import h5py, matplotlib' 2>/dev/null; then
    $py "$here/../plot.py" --sweep "$out/tunnel_hbar.jsonl" --x mu --out "$out" \
        --y basins.schrodinger.t_1e.1 basins.schrodinger.t_half.1
    $py "$here/../plot.py" --sweep "$out/tunnel_T.jsonl" --x classical.diffusion --out "$out" \
        --y basins.classical.t_1e.1
fi
