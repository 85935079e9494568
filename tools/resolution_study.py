#!/usr/bin/env python3
"""The paper's claim, measured: the Madelung (canonical) and Schrodinger (grand canonical)
descriptions agree while F is single-valued, and part where it is not.

Two cases, each run by nnq at several resolutions (same dt, same times):
  - nodes (1D): two packets collide head on (examples/nodes_1d.ini); their fringes deepen into
    nodes at t_multivalued;
  - vortices (2D): three packets meet at 120 degrees; their interference forms vortices.
For each resolution it reads the diagnostics and reports the four divergence metrics at a time
before t_multivalued (half of it) and at the end, with the observed order between successive
resolutions: before, the difference is the schemes' error and falls at order ~2 (the
infidelity, a square of errors, at ~4); after, it tends to a non-zero limit.

Usage: resolution_study.py NNQ FIGURES_DIR [--quick] [--set=SECTION.KEY=VALUE ...]
  (prints Markdown: tables and figure; --set passes a key to every run, e.g.
  --set=madelung.form=potential, and names the figure after its values)
"""
import math
import os
import subprocess
import sys
import tempfile

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

METRICS = ("div_p_l1", "div_F", "div_j_l1", "infidelity")

NODES = """[run]
dt = 1e-3
t_end = 4
snapshot_every = 0
diag_every = 20
[grid]
n = 1024
qmin = -20
qmax = 20
[initial]
preset = superposition
center = -5, 5
width = 0.7
momentum = 2.5, -2.5
[defects]
node_depth = 0.1
[output]
fields = p
"""

VORTICES = """[run]
dt = 2e-3
t_end = 2
snapshot_every = 0
diag_every = 25
[grid]
n = 128, 128
qmin = -12
qmax = 12
[initial]
preset = superposition
center = 3, 0, -1.5, 2.598076, -1.5, -2.598076
width = 0.8
momentum = -2, 0, 1, -1.732051, 1, 1.732051
[output]
fields = p
"""


def run(nnq, tmp, name, ini, n_value, sets=()):
    cfg = os.path.join(tmp, name + ".ini")
    with open(cfg, "w") as f:
        f.write(ini)
    out = os.path.join(tmp, "%s_%s.h5" % (name, n_value.replace(",", "_").replace(" ", "")))
    extra = [a for kv in sets for a in ("--set", kv)]
    done = subprocess.run([nnq, "simulate", cfg, "--quiet", "--force", "-o", out,
                           "--set", "grid.n=" + n_value] + extra, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, env=dict(os.environ, NNQ_WISDOM=""))
    if done.returncode not in (0, 3):  # 3: a solver stopped; its rows up to then are kept
        raise SystemExit("nnq simulate %s at n = %s: exit %d" % (name, n_value, done.returncode))
    with h5py.File(out, "r") as f:
        d = {k: f["diagnostics"][k][()] for k in f["diagnostics"]}
    # a Madelung description that ended (on_failure = end) leaves NaN columns from then on:
    # its rows are those before, as for a run that stopped
    lost = np.nonzero(np.isnan(d["madelung_mass"]))[0] if "madelung_mass" in d else []
    if len(lost):
        d = {k: v[:lost[0]] for k, v in d.items()}
    d["stopped"] = done.returncode == 3 or len(lost) > 0
    os.remove(out)
    return d


def end_time(runs):
    """The last row's time of the runs that ended normally (all of them stopped: the latest)."""
    ok = [d["t"][-1] for _, d in runs if not d["stopped"]]
    return max(ok) if ok else max(d["t"][-1] for _, d in runs)


def first_multivalued(d):
    key = "node_count" if "node_count" in d else "vortex_count"
    hit = np.nonzero(d[key] > 0)[0]
    return d["t"][hit[0]] if len(hit) else math.nan


def at(d, t):
    k = int(np.argmin(np.abs(d["t"] - t)))
    return {m: d[m][k] for m in METRICS}, d["t"][k]


def study(nnq, tmp, name, ini, resolutions, dims, sets=()):
    runs = [(n, run(nnq, tmp, name, ini, n, sets)) for n in resolutions]
    t_mv = first_multivalued(runs[-1][1])
    t_before, t_after = 0.5 * t_mv, end_time(runs)
    lines = ["| n | t_multivalued | " + " | ".join("%s at t = %.3g" % (m, t_before)
                                                     for m in METRICS) +
             " | " + " | ".join("%s at t = %.3g" % (m, t_after) for m in METRICS) + " |",
             "|" + "---|" * (2 + 2 * len(METRICS))]
    prev = None
    for n, d in runs:
        b, _ = at(d, t_before)
        a, _ = at(d, t_after)
        early = d["stopped"] and d["t"][-1] < t_before
        cells = []
        for m in METRICS:
            if early:
                cells.append("stopped at t = %.3g" % d["t"][-1])
                continue
            order = ("" if prev is None else
                     " (%.2f)" % math.log2(prev[0][m] / b[m]) if b[m] > 0 else "")
            cells.append("%.2e%s" % (b[m], order))
        for m in METRICS:
            cells.append("%.3g" % a[m] if not d["stopped"] else
                         "stopped at t = %.3g" % d["t"][-1])
        lines.append("| %s | %.3g | %s |" % (n, first_multivalued(d), " | ".join(cells)))
        prev = None if early else (b, a)
    return runs, t_mv, t_before, "\n".join(lines)


def main():
    nnq, figs = sys.argv[1], sys.argv[2]
    quick = "--quick" in sys.argv[3:]
    sets = [a.split("=", 1)[1] for a in sys.argv[3:] if a.startswith("--set=")]
    tag = "".join("_" + kv.split("=")[-1] for kv in sets)
    tmp = tempfile.mkdtemp()
    cases = [("nodes", NODES, ["512", "1024", "2048"] if quick else
              ["512", "1024", "2048", "4096"], 1),
             ("vortices", VORTICES, ["64,64", "128,128"] if quick else
              ["64,64", "128,128", "256,256", "512,512"], 2)]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    print("## Resolution study: where the descriptions part%s\n"
          % ("" if not sets else " (%s)" % ", ".join(sets)))
    print("Made by `tools/resolution_study.py%s` (runs nnq at each resolution; same dt). The"
          % "".join(" --set=" + kv for kv in sets))
    print("tables give each metric at a time before F became multivalued (half of")
    print("t_multivalued at the finest grid), with the observed order against the next coarser")
    print("grid in brackets, and at the end of the run.\n")
    for row, (name, ini, res, dims) in enumerate(cases):
        runs, t_mv, t_before, table = study(nnq, tmp, name, ini, res, dims, sets)
        print("### %s (%dD)\n" % (name, dims))
        print(table)
        print()
        for col, metric in enumerate(("div_p_l1", "infidelity")):
            ax = axes[row][col]
            for n, d in runs:
                ax.semilogy(d["t"][1:], d[metric][1:], label="n = " + n.split(",")[0])
            ax.axvline(t_mv, color="k", ls=":", lw=1)
            ax.axvline(t_before, color="0.6", ls="--", lw=1)
            ax.set_title("%s (%dD): %s" % (name, dims, metric))
            ax.set_xlabel("t")
            ax.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(figs, "resolution_study%s.png" % tag)
    fig.savefig(path, dpi=90)
    print("![divergence against t at each resolution; dotted: t_multivalued, dashed: the "
          "'before' time](%s/%s)" % (os.path.basename(figs.rstrip("/")), os.path.basename(path)))


if __name__ == "__main__":
    main()
