#!/usr/bin/env python3
"""The absorbing layer's table in docs/theory.md (section 8): a Gaussian of width 2 leaving
[-20, 20) from q = 10 with mean wave number k (1024 points, the default layer w = 5), run to
t = 25 / k; prints, per k, the strength chosen (absorb_strength = 0) and the mass left in
|q| < 15 with that strength and with c = 100.

Usage: python3 tools/absorber_table.py [NNQ]   (NNQ: the binary, default ./build/nnq)
Needs h5py and numpy (tools/deps.sh --test installs them).
"""
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

NNQ = sys.argv[1] if len(sys.argv) > 1 else "./build/nnq"


def left(k, strength, work):
    t = 25.0 / k
    dt = 1e-3
    steps = int(round(t / dt))
    ini = os.path.join(work, "a.ini")
    with open(ini, "w") as f:
        f.write(f"""[run]
steps = {steps}
dt = {dt}
diag_every = {steps}
snapshot_every = {steps}
[grid]
n = 1024
qmin = -20
qmax = 20
boundary = absorbing
absorb_strength = {strength}
[initial]
p = exp(-(x - 10)^2 / 8)
F = {k} * x
[madelung]
enabled = false
""")
    out = os.path.join(work, "a.h5")
    line = subprocess.run([NNQ, "simulate", ini, "-o", out, "--force", "--quiet"], check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with h5py.File(out, "r") as f:
        p0, p = f["/schrodinger/p"][0], f["/schrodinger/p"][-1]
    x = np.linspace(-20, 20, 1024, endpoint=False)
    inside = np.abs(x) < 15
    return json.loads(line)["absorb_strength"], p[inside].sum() / p0.sum()


def main():
    with tempfile.TemporaryDirectory() as work:
        print("| k | k w | c chosen | left, chosen c | left, c = 100 |")
        print("|---|---|---|---|---|")
        for k in (1, 2, 4, 8, 16, 32, 64):
            c, chosen = left(k, 0, work)
            _, fixed = left(k, 100, work)
            print(f"| {k} | {5 * k} | {c:.0f} | {chosen:.1e} | {fixed:.2g} |")


if __name__ == "__main__":
    main()
