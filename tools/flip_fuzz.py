#!/usr/bin/env python3
"""The byte-flip fuzz of docs/errors.md ("Damaged files"): an interrupted nnq output (a 2D
run stopped by SIGINT after its first checkpoint), then COPIES copies of it, each with one
byte at a random offset replaced by a random value (seeded), each given to
`nnq simulate --resume` and to `nnq info` with a time limit. Counts, per command, the exit
codes, the crashes (a signal) and the hangs (the time limit); a resume that exits 0 is
compared with the uninterrupted run's last psi: "wrong" when it differs (a silently wrong
answer), "exact" when it does not.

Usage: python3 tools/flip_fuzz.py NNQ [COPIES [SEED]]   (needs h5py and numpy)
"""
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

INI = """[run]
name = flip
steps = 400
dt = 2e-3
snapshot_every = 100
diag_every = 20
checkpoint_every = 100
planner = estimate
[grid]
n = 64, 64
qmin = -6
qmax = 6
[potential]
preset = harmonic
[initial]
preset = gaussian
center = 1, 0
momentum = 0.3, 0.4
"""


def run(cmd, limit=30):
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return "hang"
    if p.returncode < 0:
        return "crash"
    return str(p.returncode)


def main():
    nnq = os.path.abspath(sys.argv[1])
    copies = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    env = dict(os.environ, NNQ_WISDOM="")
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        with open("flip.ini", "w") as f:
            f.write(INI)
        subprocess.run([nnq, "simulate", "flip.ini", "-o", "whole.h5", "--quiet"], check=True,
                       capture_output=True, env=env)
        # stopped at step 200 (a checkpoint at 100 and one at the stop), not completed
        p = subprocess.Popen([nnq, "simulate", "flip.ini", "-o", "part.h5", "--quiet",
                              "--set", "run.steps=200"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
        p.wait()
        with h5py.File("part.h5", "r+") as f:  # as if stopped: resume runs on to step 400
            f.attrs["completed"] = np.int32(0)
            c = f.attrs["config"]
            f.attrs["config"] = c.replace("steps = 200", "steps = 400") if "steps = 200" in c \
                else c + "\n[run]\nsteps = 400\n"
        with h5py.File("whole.h5", "r") as f:
            want = f["/schrodinger/psi"][-1]
        data = open("part.h5", "rb").read()
        counts = {"resume": {}, "info": {}}
        t0 = time.time()
        for k in range(copies):
            flipped = bytearray(data)
            at = rng.randrange(len(flipped))
            flipped[at] = rng.randrange(256)
            name = f"c{k}.h5"
            with open(name, "wb") as f:
                f.write(flipped)
            info = run([nnq, "info", name])
            res = run([nnq, "simulate", "--resume", name, "--quiet"])
            if res == "0":
                try:
                    with h5py.File(name, "r") as f:
                        got = f["/schrodinger/psi"][-1]
                    res = "0 exact" if np.array_equal(got, want) else "0 WRONG"
                except Exception:  # noqa: BLE001 (h5py cannot read what nnq wrote)
                    res = "0 unreadable"
            for cmd, r in (("info", info), ("resume", res)):
                counts[cmd][r] = counts[cmd].get(r, 0) + 1
            os.remove(name)
        for cmd in ("resume", "info"):
            print(cmd + ":", ", ".join(f"{v} {k}" for k, v in sorted(counts[cmd].items())))
        print(f"{copies} copies of a {len(data)}-byte file in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
