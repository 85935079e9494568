#!/usr/bin/env python3
"""Convergence figures for docs/validation.md, from real runs of nnq:
  - error against dt: a coherent state in a 1D harmonic trap (hbar = m = omega = 1) against
    its exact density at t = 2, for each integrator, with the fitted orders;
  - error against dq: the Madelung solver's div_p_l1 at t = 2 for examples/madelung_1d.ini
    at n = 128 .. 1024, with the fitted order.
Usage: convergence.py NNQ FIGURES_DIR  (prints the Markdown that shows them)."""
import json
import os
import subprocess
import sys
import tempfile

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

nnq, figs = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp()
env = dict(os.environ, NNQ_WISDOM="")
trap = os.path.join(tmp, "trap.ini")
with open(trap, "w") as f:
    f.write("[run]\nt_end = 2\nsnapshot_every = 0\ndiag_every = 100000\n[grid]\nn = 256\n"
            "qmin = -12\nqmax = 12\n[potential]\npreset = harmonic\n[initial]\npreset = gaussian\n"
            "center = 2\nwidth = 0.7071067811865476\n[madelung]\nenabled = false\n")


def run(cfg, *sets):
    out = os.path.join(tmp, "run.h5")
    args = [nnq, "simulate", cfg, "--quiet", "--force", "-o", out]
    for s in sets:
        args += ["--set", s]
    line = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(line.strip().splitlines()[-1]), h5py.File(out, "r")


def order(x, y):
    return np.polyfit(np.log(x), np.log(y), 1)[0]


fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
text = []
for integrator, dts in (("strang", [0.04, 0.02, 0.01, 0.005]), ("order4", [0.2, 0.1, 0.05, 0.025]),
                        ("bm4", [0.4, 0.2, 0.1, 0.05]), ("bm6", [0.5, 0.4, 0.25, 0.2])):
    errs = []
    for dt in dts:
        summary, f = run(trap, "run.dt=%g" % dt, "run.integrator=" + integrator)
        q, t = f["grid/q0"][:], f["snapshots/t"][-1]
        exact = np.exp(-(q - 2 * np.cos(t)) ** 2) / np.sqrt(np.pi)
        errs.append(np.abs(f["schrodinger/p"][-1] - exact).max())
        f.close()
    p = order(dts, errs)
    a1.loglog(dts, errs, "o-", label="%s: order %.2f" % (integrator, p))
    text.append("%s: max |p - p_exact| at t = 2 = %s for dt = %s (fitted order %.2f)" % (
        integrator, ", ".join("%.2e" % e for e in errs), ", ".join("%g" % d for d in dts), p))
a1.set_xlabel("dt")
a1.set_ylabel("max |p - p_exact| at t = 2")
a1.set_title("Schrodinger: coherent state, error against dt")
a1.legend()

ns, divs = [128, 256, 512, 1024], []
for n in ns:
    summary, f = run("examples/madelung_1d.ini", "grid.n=%d" % n, "run.snapshot_every=0")
    divs.append(float(f["diagnostics/div_p_l1"][-1]))
    f.close()
dq = [20.0 / n for n in ns]
p = order(dq, divs)
a2.loglog(dq, divs, "s-", color="C2", label="vanleer + rusanov: order %.2f" % p)
a2.set_xlabel("dq")
a2.set_ylabel("div_p_l1 at t = 2")
a2.set_title("Madelung vs Schrodinger, error against dq")
a2.legend()
text.append("Madelung: div_p_l1 at t = 2 = %s for n = %s (fitted order %.2f)" % (
    ", ".join("%.2e" % e for e in divs), ", ".join(str(n) for n in ns), p))
fig.tight_layout()
fig.savefig(os.path.join(figs, "convergence.png"), dpi=90)
print("## Convergence\n")
print("Made by `tools/convergence.py` (runs nnq at several dt and n):\n")
for t in text:
    print("- " + t)
print("\n![error against dt and against dq](%s/convergence.png)" % os.path.basename(figs))
