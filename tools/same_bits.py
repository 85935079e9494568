#!/usr/bin/python3
"""same_bits.py - do two builds of nnq compute the same bits?

A refactoring that should not change results is checked with it: run the cases with the
build before and with the build after, then compare.

    tools/same_bits.py run NNQ OUTDIR [--mpi MPI_NNQ] [--only NAME,...]
    tools/same_bits.py compare OUTDIR_BEFORE OUTDIR_AFTER

`run` writes, into OUTDIR, every example (shortened to at most 400 steps; the landscape one
where examples/landscape/landscape.h5 exists) and a 3D vortex case with the Madelung
description and all three kinds of trajectories, on 1 and 2 threads, and with MPI_NNQ (an
MPI build) on 2 ranks; the 1D and 2D Madelung examples and the landscape again with
[madelung] form = potential. `compare` says for each output whether every dataset (diagnostics,
snapshots, checkpoint, trajectories) and the JSON line (timings left out) are equal bit for
bit (NaN equal to NaN); exit 1 when one is not.
"""
import json
import os
import re
import subprocess
import sys

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_STEPS = 400
POTENTIAL_FORM = ("madelung_1d", "wavepacket_2d", "landscape")
TIMINGS = {"wall_s", "plan_s", "step_s", "steps_per_s", "output", "threads"}

VORTEX_3D = """[run]
steps = 60
dt = 2e-3
integrator = bm6
diag_every = 10
snapshot_every = 20
checkpoint_every = 30
[grid]
n = 24, 20, 16
qmin = -5
qmax = 5
[potential]
preset = harmonic
omega = 1, 1.2, 0.9
[initial]
preset = vortex
width = 1
core = 0.5
momentum = 0.3, 0, 0.2
[madelung]
enabled = true
[trajectories]
count = 200
kinds = bohm, madelung, nelson
"""


def cases(outdir):
    """(name, config path, --set overrides, working directory) of every case."""
    found = []
    for f in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        if f.endswith(".ini"):
            found.append((f[:-4], os.path.join(ROOT, "examples", f)))
    land = os.path.join(ROOT, "examples", "landscape")
    if os.path.exists(os.path.join(land, "landscape.h5")):
        found.append(("landscape", os.path.join(land, "landscape.ini")))
    path = os.path.join(outdir, "vortex_3d.ini")
    with open(path, "w") as f:
        f.write(VORTEX_3D)
    found.append(("vortex_3d", path))
    # the Madelung description's other form, in 1D, 2D and on the network's landscape
    for name, ini in list(found):
        if name in POTENTIAL_FORM:
            found.append((name + "_potential", ini, ["--set", "madelung.form=potential"]))
    out = []
    for name, ini, *more in found:
        text = open(ini).read()
        dt = float(re.search(r"^dt\s*=\s*([^\s;]+)", text, re.M).group(1))
        sets = ["--set", "run.planner=estimate"] + (more[0] if more else [])
        m = re.search(r"^t_end\s*=\s*([^\s;]+)", text, re.M)
        if m and float(m.group(1)) / dt > MAX_STEPS:
            sets += ["--set", "run.t_end=%r" % (MAX_STEPS * dt)]
        m = re.search(r"^steps\s*=\s*([^\s;]+)", text, re.M)
        if m and int(m.group(1)) > MAX_STEPS:
            sets += ["--set", "run.steps=%d" % MAX_STEPS]
        out.append((name, ini, sets, os.path.dirname(ini)))
    return out


def run(nnq, outdir, mpi, only):
    os.makedirs(outdir, exist_ok=True)
    # no FFTW wisdom: plans from wisdom that another run left would change the last bits
    env = dict(os.environ, NNQ_WISDOM="", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    for name, ini, sets, cwd in cases(outdir):
        if only and name not in only:
            continue
        runs = [("t1", [nnq], ["--threads", "1"]), ("t2", [nnq], ["--threads", "2"])]
        if mpi:
            runs.append(("r2", ["mpirun", "-np", "2", mpi], ["--threads", "1"]))
        for tag, cmd, extra in runs:
            out = os.path.abspath(os.path.join(outdir, "%s.%s.h5" % (name, tag)))
            p = subprocess.run(cmd + ["simulate", ini, "-o", out, "--force", "--quiet"] + sets +
                               extra, cwd=cwd, env=env, capture_output=True, text=True)
            lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
            with open(out[:-3] + ".json", "w") as f:
                f.write(lines[-1] + "\n" if lines else "")
            print("%-16s %s exit %d" % (name, tag, p.returncode), flush=True)


def datasets(path):
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                found[name] = obj[()]
        f.visititems(visit)
    return found


def same(a, b):
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return np.array_equal(a.view(np.uint8), b.view(np.uint8)) or \
                np.array_equal(a, b, equal_nan=True)
        return np.array_equal(a, b)
    return a == b


def compare(before, after):
    bad = 0
    for f in sorted(os.listdir(before)):
        if not f.endswith(".h5"):
            continue
        other = os.path.join(after, f)
        if not os.path.exists(other):
            print("%-24s missing in %s" % (f, after))
            bad += 1
            continue
        a, b = datasets(os.path.join(before, f)), datasets(other)
        diff = sorted(k for k in set(a) | set(b) if k not in a or k not in b or not same(a[k], b[k]))
        ja = json.loads(open(os.path.join(before, f[:-3] + ".json")).read() or "{}")
        jb = json.loads(open(os.path.join(after, f[:-3] + ".json")).read() or "{}")
        jdiff = sorted(k for k in set(ja) | set(jb)
                       if k not in TIMINGS and ja.get(k) != jb.get(k))
        if diff or jdiff:
            bad += 1
        print("%-24s %s" % (f, "same" if not diff and not jdiff else
                            "DIFFERENT: " + ", ".join(diff[:6] + jdiff[:6])))
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "run":
        mpi = argv[argv.index("--mpi") + 1] if "--mpi" in argv else None
        only = argv[argv.index("--only") + 1].split(",") if "--only" in argv else None
        run(os.path.abspath(argv[1]), argv[2], mpi and os.path.abspath(mpi), only)
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        return compare(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
